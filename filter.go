package qrs

import (
	"errors"
	"fmt"
)

// Quote returns s as a QRS string literal: in single quotes, with
// backslashes and single quotes escaped by a backslash.
func Quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(append(b, '\''))
}

// andFilter combines the filter a method always applies with the
// caller's, as base and (filter).
func andFilter(base, filter string) string {
	switch {
	case filter == "":
		return base
	case base == "":
		return filter
	}
	return base + " and (" + filter + ")"
}

// checkFilter refuses filter text whose string literals or parentheses do
// not close, before anything is sent: such a filter could end the
// parentheses that andFilter puts around it, and select more than the
// method asks for (objectType eq 'sheet' and (x) or (y)).
func checkFilter(filter string) error {
	depth := 0
	for i := 0; i < len(filter); i++ {
		switch filter[i] {
		case '\'':
			end, err := literalEnd(filter, i)
			if err != nil {
				return err
			}
			i = end
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return fmt.Errorf("qrs: the filter closes a parenthesis it did not open, at byte %d", i)
			}
			depth--
		}
	}
	if depth > 0 {
		return errors.New("qrs: the filter opens a parenthesis it does not close")
	}
	return nil
}

// literalEnd returns the index of the quote that ends the string literal
// starting at filter[start], where a backslash escapes the next byte.
func literalEnd(filter string, start int) (int, error) {
	for i := start + 1; i < len(filter); i++ {
		switch filter[i] {
		case '\\':
			i++
		case '\'':
			return i, nil
		}
	}
	return 0, fmt.Errorf("qrs: the filter's string literal at byte %d does not end (use Quote to write literals)", start)
}
