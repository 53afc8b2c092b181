package hocon

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/qrskit/qrs/internal/regfile"
)

const (
	// MaxSize is the largest input, in bytes, that Parse and ParseFile accept.
	MaxSize = 1 << 20
	// MaxDepth is the deepest nesting of objects and arrays that Parse accepts;
	// every segment of a dotted key counts as one level.
	MaxDepth = 64
	// maxExpansion bounds the text that substitutions copy, so that chains of
	// references cannot grow a small file into a huge one.
	maxExpansion = 4 << 20
)

const eof = -1

// ParseFile reads and parses the file at path (see [Parse]); the file's path is
// used in positions. Files larger than [MaxSize] are refused, and so is what is
// not a regular file (a named pipe would block the read).
func ParseFile(path string, env func(string) (string, bool)) (*Object, error) {
	// One byte more than Parse accepts, for its "too large" error.
	src, err := regfile.Read(path, MaxSize+1)
	switch {
	case errors.Is(err, regfile.ErrTooLarge):
		return nil, &Error{Pos: Pos{File: path}, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, src, env)
}

// Parse parses src, naming it filename in positions, and returns the root object.
// env looks up environment variables for substitutions; pass [os.LookupEnv] for the
// process environment, or nil for none. Every error is an [*Error].
func Parse(filename string, src []byte, env func(string) (string, bool)) (*Object, error) {
	if len(src) > MaxSize {
		return nil, &Error{Pos: Pos{File: filename}, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	if err := validate(filename, src); err != nil {
		return nil, err
	}
	p := &parser{file: filename, src: src, line: 1, col: 1, env: env}
	root := newObject(p.pos(), nil)
	p.root = root
	p.skipBlank()
	switch p.peek() {
	case '{':
		root.pos = p.pos()
		open := p.pos()
		p.next()
		if err := p.parseFields(root, nil, 0, true, open); err != nil {
			return nil, err
		}
		p.skipBlank()
		if !p.eof() {
			return nil, p.errf("unexpected text after the '}' that closes the root object")
		}
	case '[':
		return nil, p.errf("the root must be an object, not an array")
	default:
		if err := p.parseFields(root, nil, 0, false, Pos{}); err != nil {
			return nil, err
		}
	}
	if err := p.checkRefs(); err != nil {
		return nil, err
	}
	return root, nil
}

// validate refuses invalid UTF-8, NUL bytes and control characters other than
// tab, LF and the CR of a CRLF, anywhere in the input, comments included.
func validate(file string, src []byte) error {
	line, col := 1, 1
	fail := func(msg string) error {
		return &Error{Pos: Pos{File: file, Line: line, Col: col}, Msg: msg}
	}
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				line, col = line+1, 1
				i++
				continue
			case c == '\r':
				if i+1 >= len(src) || src[i+1] != '\n' {
					return fail("carriage return not followed by a line feed")
				}
				i++
				continue
			case c == 0:
				return fail("NUL byte")
			case c == '\t':
			case c < 0x20 || c == 0x7f:
				return fail(fmt.Sprintf("control character U+%04X", c))
			}
			i++
			col++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 {
			return fail("invalid UTF-8")
		}
		if r <= 0x9f {
			return fail(fmt.Sprintf("control character U+%04X", r))
		}
		i += n
		col++
	}
	return nil
}

type parser struct {
	file     string
	src      []byte
	off      int
	line     int
	col      int
	env      func(string) (string, bool)
	root     *Object
	refs     []ref
	expanded int
}

// subst is one ${path} or ${?path}.
type subst struct {
	pos      Pos
	path     []string
	optional bool
}

func (s *subst) text() string {
	q := ""
	if s.optional {
		q = "?"
	}
	return "${" + q + RenderPath(s.path...) + "}"
}

// ref records how a substitution was resolved, to check it against the final tree.
type ref struct {
	sub   *subst
	found *Value // the value found among the keys; nil when from the environment or missing
}

func (p *parser) pos() Pos { return Pos{File: p.file, Line: p.line, Col: p.col} }

func (p *parser) errf(format string, args ...any) *Error {
	return p.errAt(p.pos(), format, args...)
}

func (p *parser) errAt(pos Pos, format string, args ...any) *Error {
	// The strings are names from the file (keys, substitutions): clipped,
	// so that a key of a megabyte does not make a message of megabytes.
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = Clip(s)
		}
	}
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) eof() bool { return p.off >= len(p.src) }

func (p *parser) peek() rune {
	if p.off >= len(p.src) {
		return eof
	}
	if c := p.src[p.off]; c < utf8.RuneSelf {
		return rune(c)
	}
	r, _ := utf8.DecodeRune(p.src[p.off:])
	return r
}

// peekByte returns the byte n bytes ahead, or 0.
func (p *parser) peekByte(n int) byte {
	if p.off+n < len(p.src) {
		return p.src[p.off+n]
	}
	return 0
}

// next consumes one character.
func (p *parser) next() {
	if p.eof() {
		return
	}
	c := p.src[p.off]
	if c < utf8.RuneSelf {
		p.off++
		switch c {
		case '\n':
			p.line, p.col = p.line+1, 1
		case '\r': // always followed by '\n', which starts the next line
		default:
			p.col++
		}
		return
	}
	_, n := utf8.DecodeRune(p.src[p.off:])
	p.off += n
	p.col++
}

func (p *parser) skipSpace() {
	for !p.eof() && isSpace(p.peek()) {
		p.next()
	}
}

func (p *parser) atNewline() bool { r := p.peek(); return r == '\n' || r == '\r' }

func (p *parser) atComment() bool {
	r := p.peek()
	return r == '#' || (r == '/' && p.peekByte(1) == '/')
}

func (p *parser) skipComment() {
	for !p.eof() && !p.atNewline() {
		p.next()
	}
}

// skipBlank skips whitespace, comments and newlines, and reports whether it
// crossed a newline.
func (p *parser) skipBlank() (newline bool) {
	for {
		p.skipSpace()
		switch {
		case p.atComment():
			p.skipComment()
		case p.atNewline():
			if p.peek() == '\r' {
				p.next()
			}
			p.next()
			newline = true
		default:
			return newline
		}
	}
}

// atValueEnd reports whether a value ends here.
func (p *parser) atValueEnd() bool {
	switch p.peek() {
	case eof, '\n', '\r', ',', '}', ']':
		return true
	}
	return p.atComment()
}

func (p *parser) atTripleQuote() bool {
	return bytes.HasPrefix(p.src[p.off:], []byte(`"""`))
}

// parseFields reads fields into obj until the closing '}' (closing) or the end of input.
func (p *parser) parseFields(obj *Object, at *loc, depth int, closing bool, open Pos) error {
	fieldSinceComma, needSep := false, false
	for {
		if p.skipBlank() {
			needSep = false
		}
		switch p.peek() {
		case eof:
			if closing {
				return p.errAt(open, "'{' is never closed")
			}
			return nil
		case '}':
			if !closing {
				return p.errf("unexpected '}' with no open '{'")
			}
			p.next()
			return nil
		case ']':
			return p.errf("unexpected ']' with no open '['")
		case ',':
			if !fieldSinceComma {
				return p.errf("unexpected ',' (a comma must follow a field)")
			}
			p.next()
			fieldSinceComma, needSep = false, false
			continue
		}
		if needSep { // defensive: parseField stops only where a value ends
			return p.errf("expected a newline or ',' before the next field")
		}
		if err := p.parseField(obj, at, depth); err != nil {
			return err
		}
		fieldSinceComma, needSep = true, true
	}
}

// parseField reads one "key = value", "key : value" or "key { ... }".
func (p *parser) parseField(obj *Object, at *loc, depth int) error {
	keyPos := p.pos()
	segs, err := p.parsePath(false)
	if err != nil {
		return err
	}
	keyEnd := p.pos()
	name := func() string {
		s := RenderPath(segs...)
		if at != nil {
			s = at.String() + "." + s
		}
		return s
	}
	if depth+len(segs) > MaxDepth {
		return p.errAt(keyPos, "key %s is nested more than %d levels deep", name(), MaxDepth)
	}
	p.skipSpace()
	r := p.peek()
	switch {
	case r == '{':
		return p.fieldObject(obj, at, segs, keyPos, depth+len(segs))
	case r == '=' || r == ':':
		p.next()
		p.skipSpace()
		if r2 := p.peek(); r2 == '=' || r2 == ':' {
			return p.errf("duplicate separator '%c' after key %s", r2, name())
		}
		if p.peek() == '{' {
			return p.fieldObject(obj, at, segs, keyPos, depth+len(segs))
		}
		if p.atValueEnd() {
			if p.atComment() {
				return p.errAt(keyPos, "key %s has no value (a comment starts after the '%c'; quote the value if it contains '#' or '//')", name(), r)
			}
			return p.errAt(keyPos, "key %s has no value", name())
		}
		parent, l := p.descend(obj, at, segs[:len(segs)-1], keyPos)
		last := segs[len(segs)-1]
		fl := l.child(last)
		v, set, err := p.parseValue(fl, depth+len(segs), true)
		if err != nil {
			return err
		}
		if set {
			parent.set(last, keyPos, v)
		}
		return nil
	case r == '+' && p.peekByte(1) == '=':
		return p.errf("'+=' is not supported (key %s); write the whole value with '='", name())
	case p.atValueEnd():
		return p.errAt(keyPos, "expected '=', ':' or '{' after key %s", name())
	case forbidden(r) && p.pos() == keyEnd:
		return p.errf("'%c' is not allowed in an unquoted key; put the key in double quotes", r)
	default:
		return p.errf("expected '=', ':' or '{' after key %s", name())
	}
}

// descend walks (creating or replacing with empty objects where needed) to the
// object that holds the last segment of a dotted key.
func (p *parser) descend(obj *Object, at *loc, segs []string, keyPos Pos) (*Object, *loc) {
	for _, s := range segs {
		at = at.child(s)
		if f, ok := obj.fields[s]; ok && f.val.kind == KindObject {
			obj = f.val.obj
			continue
		}
		child := newObject(keyPos, at)
		obj.set(s, keyPos, &Value{kind: KindObject, pos: keyPos, loc: at, obj: child})
		obj = child
	}
	return obj, at
}

// fieldObject reads "key { ... }" into the object at key, merging with an
// object already there and replacing anything else.
func (p *parser) fieldObject(obj *Object, at *loc, segs []string, keyPos Pos, depth int) error {
	parent, l := p.descend(obj, at, segs[:len(segs)-1], keyPos)
	last := segs[len(segs)-1]
	open := p.pos()
	var child *Object
	if f, ok := parent.fields[last]; ok && f.val.kind == KindObject {
		child = f.val.obj
		f.keyPos = keyPos
	} else {
		fl := l.child(last)
		child = newObject(open, fl)
		parent.set(last, keyPos, &Value{kind: KindObject, pos: open, loc: fl, obj: child})
	}
	p.next() // '{'
	if err := p.parseFields(child, child.loc, depth, true, open); err != nil {
		return err
	}
	return p.afterContainer('}')
}

// afterContainer refuses text after a closing brace or bracket on the same line.
func (p *parser) afterContainer(closer rune) error {
	p.skipSpace()
	if !p.atValueEnd() {
		return p.errf("unexpected text after '%c'; start the next field on a new line or after ',' (concatenating objects or arrays is not supported)", closer)
	}
	return nil
}

// keyChar reports whether r may appear in an unquoted key segment.
func (p *parser) keyChar(r rune) bool {
	if r == eof || r == '\n' || r == '\r' || r == '.' || forbidden(r) || isSpace(r) {
		return false
	}
	return !(r == '/' && p.peekByte(1) == '/')
}

// parsePath reads a path expression: unquoted segments split at '.', quoted
// segments, and adjacent parts joined. In a key, an initial unquoted "include"
// is refused. Whitespace ends the path.
func (p *parser) parsePath(inSubst bool) ([]string, error) {
	var segs []string
	var cur []byte
	has, first := false, true
	for {
		r := p.peek()
		switch {
		case r == '"':
			if p.atTripleQuote() {
				return nil, p.errf("triple-quoted strings are not supported")
			}
			s, err := p.quoted()
			if err != nil {
				return nil, err
			}
			cur = append(cur, s...)
			has, first = true, false
		case r == '.':
			if !has {
				return nil, p.errf("empty path segment before '.' (quote an empty key as \"\")")
			}
			segs = append(segs, string(cur))
			cur, has, first = cur[:0], false, false
			p.next()
		case p.keyChar(r):
			start, startPos := p.off, p.pos()
			for p.keyChar(p.peek()) {
				p.next()
			}
			tok := p.src[start:p.off]
			if first && !inSubst && string(tok) == "include" && p.peek() != '.' {
				return nil, p.errAt(startPos, "include is not supported (quote \"include\" for a key of that name)")
			}
			cur = append(cur, tok...)
			has, first = true, false
		default:
			if !has {
				switch {
				case !first:
					return nil, p.errf("empty path segment after '.'")
				case inSubst:
					return nil, p.errf("expected a path after '${'")
				case r == eof:
					return nil, p.errf("expected a key")
				default:
					return nil, p.errf("expected a key, found '%c'", r)
				}
			}
			return append(segs, string(cur)), nil
		}
	}
}
