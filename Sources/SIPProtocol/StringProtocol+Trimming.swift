/// Spaces and tabs trimmed from both ends (header values salvaged from unparsable bytes).
extension StringProtocol {
  var trimmingSpaces: String {
    var s = Substring(self)
    while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
    while let last = s.last, last == " " || last == "\t" { s.removeLast() }
    return String(s)
  }
}
