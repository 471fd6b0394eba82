// Reading CSV rows that are images: the loaders with a declared image shape,
// which check the number of feature columns against it.

extension Dataset {
  /// Reads a data set from a CSV file whose rows are images of `imageShape`:
  /// as ``loadCSV(from:target:hasHeader:separator:task:)`` does, after
  /// checking that the first row (the header, or the first data row) has
  /// `imageShape.count` feature columns, the target not counted.
  ///
  /// The pixels are read in the file's column order, which must be CHW
  /// (channel by channel, each channel row by row, as ``Image`` stores
  /// them), the order of ``digits(scaled:)`` and of scikit-learn's and
  /// PyTorch's flattened images.
  ///
  ///     // digits.csv: p0,…,p63,digit
  ///     let shape = Shape(channels: 1, height: 8, width: 8)
  ///     let digits = try Dataset.loadCSV(from: "digits.csv", target: .last, imageShape: shape)
  ///     let wrong = Shape(channels: 1, height: 28, width: 28)
  ///     _ = try Dataset.loadCSV(from: "digits.csv", target: .last, imageShape: wrong)
  ///     // Throws "digits.csv:1: 64 feature columns (65 columns less the target),
  ///     //         but an image of shape 1×28×28 needs 1·28·28 = 784"
  ///
  /// - Parameters:
  ///   - path: The file's path.
  ///   - target: The target column.
  ///   - imageShape: The shape of each row's image.
  ///   - hasHeader: Whether the first row names the columns; `nil` detects
  ///     it (see ``loadCSV(from:target:hasHeader:separator:task:)``).
  ///   - separator: The field separator; `,` by default.
  ///   - task: Classes or regression; ``TargetTask/automatic`` by default.
  /// - Returns: The data set, `imageShape.count` features a row.
  /// - Throws: ``CSVError`` as ``loadCSV(from:target:hasHeader:separator:task:)``
  ///   does; and, before any data row is read, one naming the file, the
  ///   first row's line, the number of feature columns found, the shape and
  ///   the number it needs, when they differ.
  /// - Precondition: `separator` is not a quote or a line break.
  /// - Complexity: As ``loadCSV(from:target:hasHeader:separator:task:)``.
  public static func loadCSV(
    from path: String, target: TargetColumn, imageShape: Shape, hasHeader: Bool? = nil,
    separator: Character = ",", task: TargetTask = .automatic
  ) throws -> Dataset {
    requireSeparator(separator)
    let file = try CSVFile.openText(path)
    let scanner = CSVScanner(file: file, separator: separator)
    return try CSVTable.dataset(
      scanner, target: target, hasHeader: hasHeader, task: task, imageShape: imageShape)
  }

  /// Reads a data set from CSV text in memory whose rows are images of
  /// `imageShape`, exactly as
  /// ``loadCSV(from:target:imageShape:hasHeader:separator:task:)`` reads a
  /// file.
  ///
  ///     let text = "a,b,c,d,label\n0,1,2,3,0\n3,2,1,0,1\n"
  ///     let data = try Dataset.parseCSV(
  ///       text, target: .last, imageShape: Shape(channels: 1, height: 2, width: 2))
  ///     print(data.featureCount)
  ///     // Prints "4"
  ///
  /// - Parameters:
  ///   - text: The CSV text.
  ///   - file: The name errors give for the text; `<string>` by default.
  ///   - target: The target column.
  ///   - imageShape: The shape of each row's image.
  ///   - hasHeader: Whether the first row names the columns; `nil` detects
  ///     it.
  ///   - separator: The field separator; `,` by default.
  ///   - task: Classes or regression; ``TargetTask/automatic`` by default.
  /// - Returns: The data set, `imageShape.count` features a row.
  /// - Throws: ``CSVError`` as
  ///   ``loadCSV(from:target:imageShape:hasHeader:separator:task:)`` does.
  /// - Precondition: `separator` is not a quote or a line break.
  /// - Complexity: O(*n*) for *n* characters.
  public static func parseCSV(
    _ text: String, file: String = "<string>", target: TargetColumn, imageShape: Shape,
    hasHeader: Bool? = nil, separator: Character = ",", task: TargetTask = .automatic
  ) throws -> Dataset {
    try parseCSVText(
      text, file: file, target: target, hasHeader: hasHeader, separator: separator, task: task,
      imageShape: imageShape)
  }

  /// Reads rows of numbers with no target column (inputs to predict on)
  /// whose rows are images of `imageShape`: as
  /// ``loadCSVFeatures(from:hasHeader:separator:)`` does, after checking
  /// that the first row has `imageShape.count` columns.
  ///
  ///     let shape = Shape(channels: 1, height: 8, width: 8)
  ///     let (images, _) = try Dataset.loadCSVFeatures(from: "new-digits.csv", imageShape: shape)
  ///
  /// - Parameters:
  ///   - path: The file.
  ///   - imageShape: The shape of each row's image.
  ///   - hasHeader: Whether the first row names the columns; `nil` (the
  ///     default) takes it as a header when one of its fields is not a
  ///     number.
  ///   - separator: The field separator; `,` by default.
  /// - Returns: The rows, `imageShape.count` numbers each, and the column
  ///   names when there is a header.
  /// - Throws: ``CSVError`` as ``loadCSVFeatures(from:hasHeader:separator:)``
  ///   does; and, before any data row is read, one naming the file, the
  ///   first row's line, the number of columns found, the shape and the
  ///   number it needs, when they differ.
  /// - Precondition: `separator` is not a quote or a line break.
  public static func loadCSVFeatures(
    from path: String, imageShape: Shape, hasHeader: Bool? = nil, separator: Character = ","
  ) throws -> (features: [[Double]], columnNames: [String]?) {
    requireSeparator(separator)
    let file = try CSVFile.openText(path)
    return try CSVTable.features(
      CSVScanner(file: file, separator: separator), hasHeader: hasHeader, imageShape: imageShape)
  }
}
