package hocon

import (
	"encoding/json"
	"fmt"
	"strings"
)

// mapEnv returns an environment lookup over m.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// dump lists every leaf (descending into arrays) as "path kind "text" line:col",
// one per line, to compare whole trees in tests.
func dump(o *Object, withPos bool) string {
	var b strings.Builder
	var walk func(prefix string, v *Value)
	walk = func(path string, v *Value) {
		pos := ""
		if withPos {
			pos = fmt.Sprintf(" %d:%d", v.Pos().Line, v.Pos().Col)
		}
		switch v.Kind() {
		case KindObject:
			if v.obj.Len() == 0 && path != "" {
				fmt.Fprintf(&b, "%s {}%s\n", path, pos)
			}
			for _, k := range v.obj.Keys() {
				c, _, _ := v.obj.Field(k)
				walk(join(path, renderKey(k)), c)
			}
		case KindArray:
			if len(v.arr) == 0 {
				fmt.Fprintf(&b, "%s []%s\n", path, pos)
			}
			for i, e := range v.arr {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		default:
			fmt.Fprintf(&b, "%s %s %q%s\n", path, v.Kind(), v.Text(), pos)
		}
	}
	walk("", &Value{kind: KindObject, obj: o})
	return b.String()
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// lines joins expected dump lines.
func lines(ls ...string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// jsonQuote writes s as a JSON string, the escaping HOCON quoted strings use.
// DEL and the C1 controls, which JSON leaves raw but Parse refuses, are escaped too.
func jsonQuote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return strings.NewReplacer(c1Escapes()...).Replace(string(b))
}

func c1Escapes() []string {
	var pairs []string
	for r := rune(0x7f); r <= 0x9f; r++ {
		pairs = append(pairs, string(r), fmt.Sprintf(`\u%04x`, r))
	}
	return pairs
}

// render writes a tree back in canonical HOCON: braces everywhere, every key and
// string quoted, numbers, booleans and null as written.
func render(b *strings.Builder, v *Value) {
	switch v.Kind() {
	case KindObject:
		b.WriteString("{\n")
		for _, k := range v.obj.Keys() {
			c, _, _ := v.obj.Field(k)
			b.WriteString(jsonQuote(k))
			b.WriteString(" : ")
			render(b, c)
			b.WriteString("\n")
		}
		b.WriteString("}")
	case KindArray:
		b.WriteString("[\n")
		for _, e := range v.arr {
			render(b, e)
			b.WriteString("\n")
		}
		b.WriteString("]")
	case KindString:
		b.WriteString(jsonQuote(v.Text()))
	default:
		b.WriteString(v.Text())
	}
}
