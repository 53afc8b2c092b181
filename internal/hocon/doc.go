// Package hocon reads connection files written in a strict subset of HOCON,
// the configuration syntax of Typesafe/Lightbend Config that catalog scanners use.
//
// The package reads exactly what it documents and refuses everything else with
// an [*Error] that names the file, line and column (columns count Unicode code
// points, not bytes; a tab is one column; a byte order mark is not counted). It never
// guesses: an input that HOCON would read differently, or that this package
// cannot read exactly, is an error.
//
// # What is read
//
//   - Comments from '#' or '//' to the end of the line.
//   - Fields "key = value" and "key : value"; "key { ... }" without a separator.
//     Fields are separated by newlines or single commas; one trailing comma is allowed.
//   - Dotted keys and nested blocks interchangeably: "a { b.c = 1 }" is "a.b.c = 1".
//     A quoted key segment is one segment: "a"."b.c" has the two segments a and b.c.
//   - Repeated keys: the later value wins, except that two objects merge key by key
//     ("a { x = 1 }" then "a { y = 2 }" gives both; "a = 1" then "a { y = 2 }" replaces).
//   - The root object with or without surrounding braces.
//   - Quoted strings with the JSON escapes \" \\ \/ \b \f \n \r \t \uXXXX
//     (surrogate pairs included); any other escape is an error.
//   - Unquoted strings ("scheme = https", "path = /etc/x.p12"), which run to the end
//     of the line, a comment, a comma or a closing brace or bracket, and are trimmed.
//     HOCON forbids the characters $ " { } [ ] : = , + # ` ^ ? ! @ * & \ in them; such
//     a value must be quoted. HOCON starts a comment at '#' and at '//' even inside an
//     unquoted value, which would silently cut "url = https://host" to "https:"; this
//     package refuses that (a ':' is forbidden anyway) and asks for quotes instead, and it
//     refuses a comment that touches an unquoted value ("a = x#y", "a = /x//y").
//   - Numbers in JSON syntax (kept as written), true, false and null.
//   - Arrays "[ ... ]" of values, objects and arrays, separated by commas or newlines.
//     The typed getters refuse an array where a single value is asked, with its position.
//   - String concatenation on one line: "a = foo bar" is "foo bar" (the whitespace
//     between parts is kept as written); quoted, unquoted and substitution parts mix.
//     Concatenating objects or arrays is not supported and is an error.
//   - Substitutions "${NAME}" (required) and "${?NAME}" (optional); see below.
//
// # Substitutions
//
// A substitution first looks its path up among the keys defined above it in the
// file; if there is none, a single-segment path is looked up in the environment
// function given to [Parse] (the name is the path as written). A required
// substitution that finds nothing is an error naming the variable and its position.
// An optional one that finds nothing leaves the key unset, so that an earlier value
// of the key stays; as part of a longer string it becomes "" (the whitespace around
// it is kept, as HOCON does). A key set to null is found, as null: HOCON does not
// consult the environment for it. Only strings, numbers, booleans and null can be
// substituted; a path that names an object or array is an error.
//
// HOCON resolves substitutions after the whole file is read, against the final
// values. This package resolves them as it reads, and afterwards checks that the
// answer is the one HOCON would give: a substitution whose key is set again further
// down, or whose name is defined as a key only below it, is an error (move the
// definition up). A field that refers to its own earlier value ("path = ${path}:/x")
// reads that earlier value, as in HOCON. One difference remains, always as an error:
// a required substitution that finds nothing is refused even when a later line
// overrides its key.
//
// # Not supported (each is an error at its position)
//
// include, "+=", triple-quoted strings, whitespace inside an unquoted key
// ("a b = 1"; quote such a key), a key with no value ("url =" at the end of a line:
// a value must start on the same line as its key), a missing or doubled separator,
// a stray or unclosed brace or bracket, an unclosed string, control characters other
// than tab (and CR in a CRLF line end), a tab inside a quoted string (write \t),
// invalid UTF-8, NUL bytes, nesting deeper than [MaxDepth] and input larger than [MaxSize].
//
// # Reading values
//
// [Parse] and [ParseFile] return the root [*Object]. [Object.Get] finds a value by
// its dotted path; the typed getters ([Object.GetString], [Object.GetInt],
// [Object.GetBool], [Object.GetFloat], [Object.GetDuration], [Object.GetStrings],
// [Object.GetObject]) convert it as HOCON's typed getters do and report a wrong type
// with the value's position. A null value counts as not set. [Object.Leaves] lists
// every leaf path with the position of its key, for detecting unknown or misspelt keys.
//
// Error messages name keys and positions but never repeat a value, and the
// String methods of [Value] and [Object] print kinds and positions only, so that
// passwords read from a file or the environment do not leak into logs.
package hocon
