// Everything is in the header (a static inline function, so that Swift code
// inlines it); SwiftPM needs one source file in a C target.
#include "CThreadPointer.h"
