package hocon

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

type partKind int

const (
	partQuoted partKind = iota
	partUnquoted
	partSpace
	partSubst
)

// part is one piece of a value concatenation.
type part struct {
	kind partKind
	text string
	sub  *subst
}

// parseValue reads a value that starts at the current position, which is not a
// value end. field is true for the value of an object field (not an array
// element), the only place where a substitution may refer to its own key. set is
// false when the value is an optional substitution that found nothing.
func (p *parser) parseValue(l *loc, depth int, field bool) (v *Value, set bool, err error) {
	start := p.pos()
	switch p.peek() {
	case '{': // an object in an array; fields handle their own braces
		obj := newObject(start, l)
		p.next()
		if err := p.parseFields(obj, l, depth, true, start); err != nil {
			return nil, false, err
		}
		if err := p.afterContainer('}'); err != nil {
			return nil, false, err
		}
		return &Value{kind: KindObject, pos: start, loc: l, obj: obj}, true, nil
	case '[':
		v, err := p.parseArray(l, depth)
		if err != nil {
			return nil, false, err
		}
		if err := p.afterContainer(']'); err != nil {
			return nil, false, err
		}
		return v, true, nil
	}
	var parts []part
	for {
		switch r := p.peek(); {
		case r == '"':
			if p.atTripleQuote() {
				return nil, false, p.errf("triple-quoted strings are not supported")
			}
			s, err := p.quoted()
			if err != nil {
				return nil, false, err
			}
			parts = append(parts, part{kind: partQuoted, text: s})
		case r == '$':
			if p.peekByte(1) != '{' {
				return nil, false, p.errf("'$' is not allowed in an unquoted value; put the value in double quotes (a substitution is written ${NAME})")
			}
			s, err := p.parseSubst()
			if err != nil {
				return nil, false, err
			}
			parts = append(parts, part{kind: partSubst, sub: s})
		case r == '{' || r == '[':
			return nil, false, p.errf("'%c' after other text in a value (concatenating objects or arrays is not supported)", r)
		default:
			text, err := p.unquoted()
			if err != nil {
				return nil, false, err
			}
			parts = append(parts, part{kind: partUnquoted, text: text})
		}
		ws := p.off
		p.skipSpace()
		if p.atValueEnd() {
			break
		}
		if p.off > ws {
			parts = append(parts, part{kind: partSpace, text: string(p.src[ws:p.off])})
		}
	}
	return p.build(parts, start, l, field)
}

// parseArray reads "[ ... ]".
func (p *parser) parseArray(l *loc, depth int) (*Value, error) {
	open := p.pos()
	p.next()
	var elems []*Value
	elemSinceComma, needSep := false, false
	for {
		if p.skipBlank() {
			needSep = false
		}
		switch p.peek() {
		case eof:
			return nil, p.errAt(open, "'[' is never closed")
		case ']':
			p.next()
			return &Value{kind: KindArray, pos: open, loc: l, arr: elems}, nil
		case '}':
			return nil, p.errf("unexpected '}' inside an array")
		case ',':
			if !elemSinceComma {
				return nil, p.errf("unexpected ',' (a comma must follow an element)")
			}
			p.next()
			elemSinceComma, needSep = false, false
			continue
		}
		if needSep { // defensive: parseValue stops only where a value ends
			return nil, p.errf("expected a newline or ',' before the next element")
		}
		if depth+1 > MaxDepth {
			return nil, p.errf("array element nested more than %d levels deep", MaxDepth)
		}
		v, set, err := p.parseValue(l.elem(len(elems)), depth+1, false)
		if err != nil {
			return nil, err
		}
		if set {
			elems = append(elems, v)
		}
		elemSinceComma, needSep = true, true
	}
}

// unquoted reads unquoted text up to whitespace or a character that ends or
// starts another part, refusing HOCON's forbidden characters and a comment that
// touches the text.
func (p *parser) unquoted() (string, error) {
	start := p.off
	plus, plusPos := false, Pos{}
scan:
	for !p.eof() {
		switch r := p.peek(); {
		case isSpace(r), r == '\n', r == '\r', r == ',', r == '}', r == ']', r == '"', r == '$', r == '{', r == '[':
			break scan
		case r == '#':
			return "", p.errf("'#' right after an unquoted value starts a comment; put the value in double quotes, or a space before the comment")
		case r == '/' && p.peekByte(1) == '/':
			return "", p.errf("'//' inside an unquoted value starts a comment; put the value in double quotes")
		case r == ':' && p.peekByte(1) == '/' && p.peekByte(2) == '/':
			return "", p.errf("unquoted value contains \"://\" and '//' starts a comment; put the URL in double quotes")
		case r == '+' && p.off > start && (p.src[p.off-1] == 'e' || p.src[p.off-1] == 'E') &&
			(p.src[start] == '-' || (p.src[start] >= '0' && p.src[start] <= '9')):
			// an exponent sign, valid only if the whole text is a number (checked below)
			if !plus {
				plus, plusPos = true, p.pos()
			}
		case forbidden(r):
			return "", p.errf("'%c' is not allowed in an unquoted value; put the value in double quotes", r)
		}
		p.next()
	}
	text := string(p.src[start:p.off])
	if text == "" {
		return "", p.errf("expected a value")
	}
	if plus && !isJSONNumber(text) {
		return "", p.errAt(plusPos, "'+' is not allowed in an unquoted value; put the value in double quotes")
	}
	return text, nil
}

// quoted reads a JSON string.
func (p *parser) quoted() (string, error) {
	open := p.pos()
	p.next()
	var b strings.Builder
	for {
		switch r := p.peek(); r {
		case eof, '\n', '\r':
			return "", p.errAt(open, "quoted string is not closed on its line")
		case '"':
			p.next()
			return b.String(), nil
		case '\t':
			return "", p.errf("tab character in a quoted string; write \\t")
		case '\\':
			esc := p.pos()
			p.next()
			switch e := p.peek(); e {
			case '"', '\\', '/':
				b.WriteRune(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				p.next()
				u, err := p.hex4(esc)
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(u) {
					if u >= 0xDC00 || p.peek() != '\\' || p.peekByte(1) != 'u' {
						return "", p.errAt(esc, "unpaired surrogate in a \\u escape")
					}
					p.next()
					p.next()
					lo, err := p.hex4(esc)
					if err != nil {
						return "", err
					}
					if lo < 0xDC00 || lo > 0xDFFF {
						return "", p.errAt(esc, "unpaired surrogate in a \\u escape")
					}
					u = utf16.DecodeRune(u, lo)
				}
				b.WriteRune(u)
				continue
			default:
				return "", p.errAt(esc, "invalid escape in a quoted string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
			}
			p.next()
		default:
			b.WriteRune(r)
			p.next()
		}
	}
}

// hex4 reads the four hex digits of a \u escape that starts at esc.
func (p *parser) hex4(esc Pos) (rune, error) {
	var u rune
	for range 4 {
		c := p.peekByte(0)
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.errAt(esc, "invalid \\u escape (expected four hex digits)")
		}
		u = u<<4 | rune(d)
		p.next()
	}
	return u, nil
}

// parseSubst reads "${path}" or "${?path}".
func (p *parser) parseSubst() (*subst, error) {
	s := &subst{pos: p.pos()}
	p.next()
	p.next()
	if p.peek() == '?' {
		s.optional = true
		p.next()
	}
	switch r := p.peek(); {
	case r == '}':
		return nil, p.errAt(s.pos, "empty substitution")
	case isSpace(r):
		return nil, p.errf("whitespace is not allowed inside '${...}'")
	case r == eof || r == '\n' || r == '\r':
		return nil, p.errAt(s.pos, "'${' is never closed")
	}
	path, err := p.parsePath(true)
	if err != nil {
		return nil, err
	}
	s.path = path
	switch r := p.peek(); {
	case r == '}':
		p.next()
		return s, nil
	case r == eof || r == '\n' || r == '\r':
		return nil, p.errAt(s.pos, "'${' is never closed")
	case isSpace(r):
		return nil, p.errf("whitespace is not allowed inside '${...}'")
	default:
		return nil, p.errf("'%c' is not allowed in a substitution path", r)
	}
}

// classify gives unquoted text standing alone its type.
func classify(text string) Kind {
	switch {
	case text == "true" || text == "false":
		return KindBool
	case text == "null":
		return KindNull
	case isJSONNumber(text):
		return KindNumber
	}
	return KindString
}

// build turns the parts of a value into one value.
func (p *parser) build(parts []part, start Pos, l *loc, field bool) (*Value, bool, error) {
	if len(parts) == 1 {
		switch pt := parts[0]; pt.kind {
		case partQuoted:
			return &Value{kind: KindString, pos: start, loc: l, text: pt.text}, true, nil
		case partUnquoted:
			return &Value{kind: classify(pt.text), pos: start, loc: l, text: pt.text}, true, nil
		case partSubst:
			found, ok, err := p.resolve(pt.sub, l, field)
			if !ok || err != nil {
				return nil, false, err
			}
			return &Value{kind: found.kind, pos: start, loc: l, text: found.text}, true, nil
		}
	}
	var b strings.Builder
	text, defined, space := false, false, false
	for _, pt := range parts {
		switch pt.kind {
		case partSpace:
			space = true
			b.WriteString(pt.text)
		case partSubst:
			found, ok, err := p.resolve(pt.sub, l, field)
			if err != nil {
				return nil, false, err
			}
			if ok {
				defined = true
				b.WriteString(found.text)
			}
		default:
			text = true
			b.WriteString(pt.text)
		}
	}
	if !text && !defined {
		if space {
			return nil, false, p.errAt(start, "all optional substitutions in this value are undefined, so only the whitespace between them is left; write them without spaces to leave the key unset")
		}
		return nil, false, nil
	}
	return &Value{kind: KindString, pos: start, loc: l, text: b.String()}, true, nil
}

// resolve looks a substitution up among the keys defined so far, then in the
// environment. ok is false for an optional substitution that found nothing.
func (p *parser) resolve(s *subst, l *loc, field bool) (v *Value, ok bool, err error) {
	self := false
	if field {
		if keys, addressable := l.keys(); addressable && hasPrefix(s.path, keys) {
			self = true // reads the key's earlier value, as HOCON does
		}
	}
	if v := p.current(s.path); v != nil {
		if v.kind == KindObject || v.kind == KindArray {
			return nil, false, p.errAt(s.pos, "%s refers to %s; only strings, numbers, booleans and null can be substituted",
				s.text(), v.kind.article())
		}
		if !self {
			p.refs = append(p.refs, ref{sub: s, found: v})
		}
		return v, true, p.grow(s, len(v.text))
	}
	if !self {
		p.refs = append(p.refs, ref{sub: s})
	}
	if len(s.path) == 1 && p.env != nil {
		if val, found := p.env(s.path[0]); found {
			return &Value{kind: KindString, text: val}, true, p.grow(s, len(val))
		}
	}
	switch {
	case s.optional:
		return nil, false, nil
	case len(s.path) == 1:
		return nil, false, p.errAt(s.pos, "%s: environment variable %s is not set, and no key %s is defined above",
			s.text(), s.path[0], RenderPath(s.path...))
	default:
		return nil, false, p.errAt(s.pos, "%s: no key %s is defined above (only a name without '.' is looked up in the environment)",
			s.text(), RenderPath(s.path...))
	}
}

func (p *parser) grow(s *subst, n int) error {
	p.expanded += n
	if p.expanded > maxExpansion {
		return p.errAt(s.pos, "substitutions copy more than %d bytes in total", maxExpansion)
	}
	return nil
}

func hasPrefix(path, prefix []string) bool {
	if len(prefix) > len(path) {
		return false
	}
	for i := range prefix {
		if path[i] != prefix[i] {
			return false
		}
	}
	return true
}

// current finds the value at path in the tree as read so far.
func (p *parser) current(path []string) *Value {
	o := p.root
	for i, k := range path {
		f, ok := o.fields[k]
		if !ok {
			return nil
		}
		if i == len(path)-1 {
			return f.val
		}
		if f.val.kind != KindObject {
			return nil
		}
		o = f.val.obj
	}
	return nil
}

// checkRefs makes sure every substitution read what HOCON, which resolves against
// the final tree, would have read.
func (p *parser) checkRefs() error {
	for _, r := range p.refs {
		now := p.current(r.sub.path)
		name := RenderPath(r.sub.path...)
		switch {
		case r.found != nil && now != r.found:
			where := ""
			if now != nil {
				where = fmt.Sprintf(" (at %s)", now.pos)
			}
			return p.errAt(r.sub.pos, "%s reads key %s, which is set again below%s; HOCON would use the final value: move the substitution below the last assignment of %s",
				r.sub.text(), name, where, name)
		case r.found == nil && now != nil:
			return p.errAt(r.sub.pos, "%s refers to key %s, which is defined only below it (at %s); HOCON would use that key: define it above the substitution",
				r.sub.text(), name, now.pos)
		}
	}
	return nil
}
