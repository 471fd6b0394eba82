# train --save never destroys: a FIFO stays a FIFO, a read-only file stays
# as it was, a missing folder is reported, a link to a file keeps the link,
# and leftovers of an interrupted save are removed.

printf 'x,y,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' > "$tmp/save-data.csv"
# save_train NAME PATH: train a tiny model saving to PATH; stderr to
# $tmp/NAME.err, the exit code in $status.
save_train() {
  set +e
  "$bin" train --data "$tmp/save-data.csv" --target label --layers 2 --epochs 2 --save "$2" > /dev/null 2> "$tmp/$1.err"; status=$?
  set -e
}

mkfifo "$tmp/save-fifo"
save_train save-fifo "$tmp/save-fifo"
check "save: a FIFO exits with 1" test "$status" -eq 1
check "save: a FIFO is named as such" grep -q "cannot save a checkpoint to $tmp/save-fifo: it is a FIFO (named pipe), not a regular file" "$tmp/save-fifo.err"
check "save: a FIFO stays a FIFO" test -p "$tmp/save-fifo"

printf 'keep' > "$tmp/save-readonly.json"
chmod 0444 "$tmp/save-readonly.json"
save_train save-readonly "$tmp/save-readonly.json"
check "save: a read-only file exits with 1" test "$status" -eq 1
check "save: a read-only file is named, with --force" grep -q "save-readonly.json: the file is read-only (mode 0444); nothing was written (replace it with replacingReadOnly: true, --force" "$tmp/save-readonly.err"
check "save: a read-only file is left as it was" test "$(cat "$tmp/save-readonly.json")" = keep
check "save: a read-only file keeps its mode" test "$(stat -c %a "$tmp/save-readonly.json")" = 444

save_train save-missing "$tmp/save-no-such-folder/model.json"
check "save: a missing folder exits with 1" test "$status" -eq 1
check "save: a missing folder is named" grep -q "the folder $tmp/save-no-such-folder does not exist" "$tmp/save-missing.err"
check "save: a missing folder is not created" test ! -e "$tmp/save-no-such-folder"

mkdir "$tmp/save-folder"
save_train save-folder "$tmp/save-folder"
check "save: a folder exits with 1" test "$status" -eq 1
check "save: a folder is named as such" grep -q "it is a folder, not a regular file" "$tmp/save-folder.err"

printf 'old' > "$tmp/save-real.json"
chmod 0600 "$tmp/save-real.json"
ln -s "$tmp/save-real.json" "$tmp/save-link.json"
save_train save-link "$tmp/save-link.json"
check "save: a link to a file saves (exit 0)" test "$status" -eq 0
check "save: a link to a file stays a link" test -L "$tmp/save-link.json"
check "save: a link to a file writes the file" grep -q '"formatVersion"' "$tmp/save-real.json"
check "save: the replaced file keeps its mode" test "$(stat -c %a "$tmp/save-real.json")" = 600

mkdir "$tmp/save-leftover"
leftover="$tmp/save-leftover/.model.json.99999999.0B5B1C0E-6F1A-4C1B-9D7E-2A8E4E0C9F11.tmp"
printf 'partial' > "$leftover"
save_train save-leftover "$tmp/save-leftover/model.json"
check "save: with a leftover beside it saves (exit 0)" test "$status" -eq 0
check "save: the leftover of an interrupted save is removed" test ! -e "$leftover"
check "save: only the checkpoint remains" test "$(ls -A "$tmp/save-leftover")" = model.json

# train checks the destination before training, and --force lets it replace
# a read-only file.
set +e
"$bin" train --data "$tmp/save-data.csv" --target label --layers 2 --epochs 2 --save "$tmp/save-fifo" > "$tmp/save-early.out" 2> "$tmp/save-early.err"; status=$?
set -e
check "save: a FIFO is refused before training" test "$status" -eq 1 -a ! -s "$tmp/save-early.out"
set +e
"$bin" train --data "$tmp/save-data.csv" --target label --layers 2 --epochs 2 --save "$tmp/save-readonly.json" --force > /dev/null 2> "$tmp/save-force.err"; status=$?
set -e
check "save: --force replaces a read-only file" test "$status" -eq 0
check "save: --force writes the checkpoint" grep -q '"formatVersion"' "$tmp/save-readonly.json"
check "save: --force keeps the read-only mode" test "$(stat -c %a "$tmp/save-readonly.json")" = 444
printf 'partial' > "$leftover"
"$bin" train --data "$tmp/save-data.csv" --target label --layers 2 --epochs 2 --save "$tmp/save-leftover/model.json" > "$tmp/save-leftover.out"
check "save: train names the leftover it removed" grep -qF "removed leftover $leftover" "$tmp/save-leftover.out"
check "save: train stores the feature names" grep -q '"featureNames"' "$tmp/save-leftover/model.json"
