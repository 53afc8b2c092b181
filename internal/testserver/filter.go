package testserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrParse is matched (with errors.Is) by every error that ParseFilter
// returns. The server answers such a filter with 400 and the body
// "Cannot parse the expression", as QRS does.
var ErrParse = errors.New("testserver: cannot parse the expression")

// maxFilterDepth bounds the nesting of parentheses so that no input can make
// the recursive-descent parser exhaust the stack.
const maxFilterDepth = 100

// Op is a comparison operator of the QRS filter language.
type Op int

// The comparison operators of the QRS filter language.
const (
	OpEq Op = iota // eq: equal (all types)
	OpNe           // ne: not equal (all types)
	OpGt           // gt: greater than (numbers, enums, dates)
	OpGe           // ge: greater or equal
	OpLt           // lt: less than
	OpLe           // le: less or equal
	OpSw           // sw: starts with (strings)
	OpEw           // ew: ends with (strings)
	OpSo           // so: substring of, i.e. the property contains the value (strings)
)

var opNames = [...]string{"eq", "ne", "gt", "ge", "lt", "le", "sw", "ew", "so"}

// String returns the operator as written in a filter, e.g. "eq".
func (o Op) String() string {
	if o < 0 || int(o) >= len(opNames) {
		return "op(" + strconv.Itoa(int(o)) + ")"
	}
	return opNames[o]
}

// LitKind tells which kind of literal stands on the right of a comparison.
type LitKind int

// The literal kinds of the QRS filter language.
const (
	LitString LitKind = iota // 'single quoted', backslash escapes the next character
	LitGUID                  // a bare GUID such as 9f4b5c2e-0b4a-4f39-9d1e-2a9c7d9e1a11
	LitNumber                // -12, 3.5
	LitBool                  // true, false
	LitNull                  // null
)

// Literal is the value side of a comparison.
type Literal struct {
	Kind LitKind // which of the fields below holds the value
	Str  string  // LitString and LitGUID: the text (unescaped)
	Num  float64 // LitNumber
	Int  int64   // LitNumber when IsInt
	// IsInt is true when a LitNumber is an integer that fits in int64, so
	// that values beyond 2^53 (file sizes) compare exactly.
	IsInt bool
	Bool  bool // LitBool

	time   time.Time // LitString that parses as a date
	isTime bool
}

// ExprKind tells what an Expr node is.
type ExprKind int

// The node kinds of a parsed filter.
const (
	ExprCmp ExprKind = iota // property op value
	ExprAnd                 // all of Children
	ExprOr                  // any of Children
)

// Expr is a parsed QRS filter: a comparison, or an and/or of sub-expressions.
// The zero value is not useful; get one from ParseFilter. An Expr is
// immutable once parsed and safe for concurrent use.
type Expr struct {
	Kind     ExprKind // a comparison, or an and/or of Children
	Children []*Expr  // ExprAnd, ExprOr: two or more

	// Property is the property path as written, e.g. "app.id".
	Property string
	// Path is Property split at dots and lower-cased: []string{"app", "id"}.
	Path []string
	Op   Op      // the comparison
	Val  Literal // the value compared with
}

// Object is anything a filter can be evaluated against besides the generic
// JSON values (map[string]any, []any, string, float64, json.Number, bool,
// nil) produced by encoding/json.
type Object interface {
	// Field returns the value of the property whose name, compared
	// case-insensitively, is name (which the caller passes lower-cased),
	// and whether the object has such a property. A value may be a generic
	// JSON value, an Object, a []Object, an int64, an int or a float64; a
	// null is an untyped nil, never a nil Object.
	Field(name string) (any, bool)
}

// ParseFilter parses QRS filter text: comparisons `property op value`
// joined by and/or (and binds tighter), with parentheses. Keywords and
// operators are matched case-insensitively. Values are single-quoted strings
// (a backslash takes the next character literally, so \' and \\ are a quote
// and a backslash), bare GUIDs, numbers, true, false and null. Anything else
// is an error wrapping ErrParse.
func ParseFilter(s string) (*Expr, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, p.errorf("unexpected %s", p.toks[p.pos].describe())
	}
	return e, nil
}

// String renders the expression back as filter text that ParseFilter
// accepts and that means the same thing.
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b, false)
	return b.String()
}

func (e *Expr) write(b *strings.Builder, nested bool) {
	switch e.Kind {
	case ExprCmp:
		b.WriteString(e.Property)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		e.Val.write(b)
	case ExprAnd, ExprOr:
		if nested {
			b.WriteByte('(')
		}
		word := " and "
		if e.Kind == ExprOr {
			word = " or "
		}
		for i, c := range e.Children {
			if i > 0 {
				b.WriteString(word)
			}
			c.write(b, c.Kind != ExprCmp)
		}
		if nested {
			b.WriteByte(')')
		}
	}
}

func (l Literal) write(b *strings.Builder) {
	switch l.Kind {
	case LitString:
		b.WriteByte('\'')
		for i := 0; i < len(l.Str); i++ {
			if c := l.Str[i]; c == '\'' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(l.Str[i])
		}
		b.WriteByte('\'')
	case LitGUID:
		b.WriteString(l.Str)
	case LitNumber:
		if l.IsInt {
			b.WriteString(strconv.FormatInt(l.Int, 10))
		} else {
			b.WriteString(strconv.FormatFloat(l.Num, 'f', -1, 64))
		}
	case LitBool:
		b.WriteString(strconv.FormatBool(l.Bool))
	case LitNull:
		b.WriteString("null")
	}
}

// ---- lexer ----

type tokKind int

const (
	tWord tokKind = iota
	tString
	tLParen
	tRParen
)

type token struct {
	kind tokKind
	text string // tWord: the word; tString: the unescaped value
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tString:
		return fmt.Sprintf("string at %d", t.pos)
	case tLParen:
		return fmt.Sprintf("'(' at %d", t.pos)
	case tRParen:
		return fmt.Sprintf("')' at %d", t.pos)
	}
	return fmt.Sprintf("%q at %d", t.text, t.pos)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '-' || c == '+'
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			toks = append(toks, token{kind: tLParen, pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tRParen, pos: i})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' {
					if i+1 >= len(s) {
						break
					}
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '\'' {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated string at %d", ErrParse, start)
			}
			toks = append(toks, token{kind: tString, text: b.String(), pos: start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			toks = append(toks, token{kind: tWord, text: s[start:i], pos: start})
		default:
			return nil, fmt.Errorf("%w: unexpected character %q at %d", ErrParse, c, i)
		}
	}
	return toks, nil
}

// ---- parser ----

type parser struct {
	toks []token
	pos  int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrParse, fmt.Sprintf(format, args...))
}

func (p *parser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == tWord && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *parser) parseOr(depth int) (*Expr, error) {
	first, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	children := []*Expr{first}
	for p.peekWord("or") {
		p.pos++
		next, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		children = append(children, next)
	}
	return join(ExprOr, children), nil
}

func (p *parser) parseAnd(depth int) (*Expr, error) {
	first, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	children := []*Expr{first}
	for p.peekWord("and") {
		p.pos++
		next, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		children = append(children, next)
	}
	return join(ExprAnd, children), nil
}

// join builds an and/or node, flattening children of the same kind so that
// a long `a or b or c ...` is one node (cheap to analyse, no deep recursion).
func join(kind ExprKind, children []*Expr) *Expr {
	if len(children) == 1 {
		return children[0]
	}
	var flat []*Expr
	for _, c := range children {
		if c.Kind == kind {
			flat = append(flat, c.Children...)
		} else {
			flat = append(flat, c)
		}
	}
	return &Expr{Kind: kind, Children: flat}
}

func (p *parser) parseUnary(depth int) (*Expr, error) {
	if p.pos >= len(p.toks) {
		return nil, p.errorf("unexpected end of filter")
	}
	t := p.toks[p.pos]
	if t.kind == tLParen {
		if depth >= maxFilterDepth {
			return nil, p.errorf("parentheses nested deeper than %d", maxFilterDepth)
		}
		p.pos++
		if p.pos < len(p.toks) && p.toks[p.pos].kind == tRParen {
			return nil, p.errorf("empty parentheses at %d", t.pos)
		}
		e, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tRParen {
			return nil, p.errorf("missing ')' for '(' at %d", t.pos)
		}
		p.pos++
		return e, nil
	}
	return p.parseCmp()
}

func (p *parser) parseCmp() (*Expr, error) {
	t := p.toks[p.pos]
	if t.kind != tWord {
		return nil, p.errorf("expected a property, got %s", t.describe())
	}
	path, ok := parsePropertyPath(t.text)
	if !ok || isKeyword(t.text) {
		return nil, p.errorf("expected a property, got %s", t.describe())
	}
	p.pos++
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tWord {
		return nil, p.errorf("expected an operator after %q", t.text)
	}
	opTok := p.toks[p.pos]
	op, ok := lookupOp(opTok.text)
	if !ok {
		return nil, p.errorf("unknown operator %s", opTok.describe())
	}
	p.pos++
	if p.pos >= len(p.toks) {
		return nil, p.errorf("expected a value after %q", opTok.text)
	}
	v, err := p.parseValue(p.toks[p.pos])
	if err != nil {
		return nil, err
	}
	p.pos++
	return &Expr{Kind: ExprCmp, Property: t.text, Path: path, Op: op, Val: v}, nil
}

func isKeyword(w string) bool {
	switch strings.ToLower(w) {
	case "and", "or", "null", "true", "false":
		return true
	}
	_, isOp := lookupOp(w)
	return isOp
}

func lookupOp(w string) (Op, bool) {
	for i, n := range opNames {
		if strings.EqualFold(w, n) {
			return Op(i), true
		}
	}
	return 0, false
}

// parsePropertyPath accepts identifiers ([A-Za-z_][A-Za-z0-9_]*) joined by
// single dots and returns them lower-cased.
func parsePropertyPath(w string) ([]string, bool) {
	parts := strings.Split(w, ".")
	for i, part := range parts {
		if part == "" {
			return nil, false
		}
		for j := 0; j < len(part); j++ {
			c := part[j]
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
			digit := c >= '0' && c <= '9'
			if !letter && !(digit && j > 0) {
				return nil, false
			}
		}
		parts[i] = strings.ToLower(part)
	}
	return parts, true
}

func (p *parser) parseValue(t token) (Literal, error) {
	switch t.kind {
	case tString:
		l := Literal{Kind: LitString, Str: t.text}
		if tm, ok := parseTime(t.text); ok {
			l.time, l.isTime = tm, true
		}
		return l, nil
	case tWord:
		w := t.text
		switch strings.ToLower(w) {
		case "null":
			return Literal{Kind: LitNull}, nil
		case "true":
			return Literal{Kind: LitBool, Bool: true}, nil
		case "false":
			return Literal{Kind: LitBool}, nil
		}
		if IsGUID(w) {
			return Literal{Kind: LitGUID, Str: w}, nil
		}
		if l, ok := parseNumber(w); ok {
			return l, nil
		}
		return Literal{}, p.errorf("bad value %s", t.describe())
	}
	return Literal{}, p.errorf("expected a value, got %s", t.describe())
}

// parseNumber accepts -?digits(.digits)? only: no exponent, no hex, no
// leading plus, no Inf/NaN.
func parseNumber(w string) (Literal, bool) {
	s := strings.TrimPrefix(w, "-")
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || hasDot && (frac == "" || !allDigits(frac)) {
		return Literal{}, false
	}
	f, err := strconv.ParseFloat(w, 64)
	if err != nil || math.IsInf(f, 0) {
		return Literal{}, false
	}
	// A float keeps the sign of -0 (and of a negative underflow), which
	// would print as "-0" and re-parse as the integer 0: the filter
	// language has one zero, so the literal holds +0.
	if f == 0 {
		f = 0
	}
	l := Literal{Kind: LitNumber, Num: f}
	if !hasDot {
		if i, err := strconv.ParseInt(w, 10, 64); err == nil {
			l.Int, l.IsInt = i, true
		}
	}
	return l, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsGUID reports whether s has the 8-4-4-4-12 hexadecimal GUID form.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// parseTime accepts the ISO 8601 forms QRS uses, with or without fraction
// and zone.
func parseTime(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ---- evaluation ----

// Match reports whether obj satisfies the filter. obj is a generic JSON
// object (map[string]any, as encoding/json decodes it) or an Object.
// Property names are looked up case-insensitively; a path through an array
// matches when any element matches; a path through null or a missing
// property yields null. ne is the negation of eq.
func (e *Expr) Match(obj any) bool {
	switch e.Kind {
	case ExprAnd:
		for _, c := range e.Children {
			if !c.Match(obj) {
				return false
			}
		}
		return true
	case ExprOr:
		for _, c := range e.Children {
			if c.Match(obj) {
				return true
			}
		}
		return false
	}
	if e.Op == OpNe {
		return !e.anyValue(obj, OpEq)
	}
	return e.anyValue(obj, e.Op)
}

func (e *Expr) anyValue(obj any, op Op) bool {
	return walk(obj, e.Path, func(v any) bool { return compare(v, op, &e.Val) })
}

// walk resolves path in v and calls fn for each value found, stopping at the
// first true.
func walk(v any, path []string, fn func(any) bool) bool {
	if len(path) == 0 {
		return fn(v)
	}
	switch x := v.(type) {
	case map[string]any:
		child, _ := lookupFold(x, path[0])
		return walk(child, path[1:], fn)
	case Object:
		child, _ := x.Field(path[0])
		return walk(child, path[1:], fn)
	case []any:
		for _, el := range x {
			if walk(el, path, fn) {
				return true
			}
		}
		return false
	case []Object:
		for _, el := range x {
			if walk(el, path, fn) {
				return true
			}
		}
		return false
	case nil:
		return walk(nil, path[1:], fn)
	}
	return false // a path through a scalar
}

func lookupFold(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func compare(v any, op Op, l *Literal) bool {
	if l.Kind == LitNull {
		return op == OpEq && v == nil
	}
	switch x := v.(type) {
	case string:
		return compareString(x, op, l)
	case bool:
		return l.Kind == LitBool && op == OpEq && x == l.Bool
	case float64:
		return l.Kind == LitNumber && compareFloat(x, op, l.Num)
	case int64:
		return l.Kind == LitNumber && compareInt(x, op, l)
	case int:
		return l.Kind == LitNumber && compareInt(int64(x), op, l)
	case json.Number:
		if l.Kind != LitNumber {
			return false
		}
		if i, err := x.Int64(); err == nil {
			return compareInt(i, op, l)
		}
		f, err := x.Float64()
		return err == nil && compareFloat(f, op, l.Num)
	}
	return false
}

func compareString(s string, op Op, l *Literal) bool {
	if l.Kind != LitString && l.Kind != LitGUID {
		return false
	}
	switch op {
	case OpEq:
		if strings.EqualFold(s, l.Str) {
			return true
		}
		if l.isTime {
			if t, ok := parseTime(s); ok {
				return t.Equal(l.time)
			}
		}
		return false
	case OpSw:
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(l.Str))
	case OpEw:
		return strings.HasSuffix(strings.ToLower(s), strings.ToLower(l.Str))
	case OpSo:
		return strings.Contains(strings.ToLower(s), strings.ToLower(l.Str))
	}
	// gt ge lt le: dates compare as times; other strings case-insensitively.
	var c int
	if t, ok := parseTime(s); ok && l.isTime {
		c = t.Compare(l.time)
	} else {
		c = strings.Compare(strings.ToLower(s), strings.ToLower(l.Str))
	}
	return ordered(c, op)
}

func ordered(c int, op Op) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	}
	return false
}

func compareFloat(f float64, op Op, n float64) bool {
	switch {
	case f < n:
		return ordered(-1, op)
	case f > n:
		return ordered(1, op)
	case f == n:
		return ordered(0, op)
	}
	return false // NaN
}

func compareInt(i int64, op Op, l *Literal) bool {
	if !l.IsInt {
		return compareFloat(float64(i), op, l.Num)
	}
	switch {
	case i < l.Int:
		return ordered(-1, op)
	case i > l.Int:
		return ordered(1, op)
	}
	return ordered(0, op)
}
