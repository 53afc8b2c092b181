package hocon

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// forbidden reports whether HOCON forbids r in unquoted text.
func forbidden(r rune) bool {
	switch r {
	case '$', '"', '{', '}', '[', ']', ':', '=', ',', '+', '#', '`', '^', '?', '!', '@', '*', '&', '\\':
		return true
	}
	return false
}

// isSpace reports whether r is HOCON whitespace other than a newline. The ASCII
// control characters HOCON also counts (\v, \f, FS, GS, RS, US) are refused
// before parsing, as control characters.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', 0xFEFF:
		return true
	}
	if r < 0x80 {
		return false
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// isJSONInt reports whether s is an integer in JSON syntax: -?(0|[1-9][0-9]*).
func isJSONInt(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether s is a number in JSON syntax.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// durationUnits are HOCON's duration units; they are case sensitive.
var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "nano": time.Nanosecond, "nanos": time.Nanosecond,
	"nanosecond": time.Nanosecond, "nanoseconds": time.Nanosecond,
	"us": time.Microsecond, "micro": time.Microsecond, "micros": time.Microsecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// AsDuration returns a duration as HOCON's getDuration reads it: a number is
// milliseconds; a string is a number, optional whitespace and a unit (ns, us, ms,
// s, m, h, d, or their long forms such as "seconds"), with milliseconds when the
// unit is left out. "30s", "1.5 minutes" and "500" (500ms) are durations.
func (v *Value) AsDuration() (time.Duration, error) {
	const want = "expected a duration such as 30s, 500ms or 2m"
	var num string
	unit := time.Millisecond
	switch v.kind {
	case KindNumber:
		num = v.text
	case KindString:
		s := strings.TrimFunc(v.text, isSpace)
		i := len(s)
		for i > 0 && s[i-1] >= 'a' && s[i-1] <= 'z' {
			i--
		}
		if i < len(s) {
			u, ok := durationUnits[s[i:]]
			if !ok {
				return 0, v.Errorf("%s, found an unknown unit", want)
			}
			unit = u
		}
		num = strings.TrimRightFunc(s[:i], isSpace)
		if !isJSONNumber(num) {
			return 0, v.Errorf("%s, found a string that is not one", want)
		}
	default:
		return 0, v.wrongKind("a duration")
	}
	if isJSONInt(num) {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/int64(unit) || n < math.MinInt64/int64(unit) {
			return 0, v.Errorf("duration out of range")
		}
		return time.Duration(n) * unit, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	d := math.Round(f * float64(unit))
	if err != nil || d >= math.MaxInt64 || d <= math.MinInt64 {
		return 0, v.Errorf("duration out of range")
	}
	return time.Duration(d), nil
}
