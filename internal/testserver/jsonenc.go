package testserver

import (
	"strconv"
	"unicode/utf8"
)

// Append-style JSON encoding for the generator: no reflection, no maps,
// everything written into a caller's reused buffer.

const hexDigits = "0123456789abcdef"

// appendEscaped appends s JSON-escaped, without quotes. Non-ASCII text is
// written as UTF-8, as QRS (Json.NET) does; invalid UTF-8 becomes U+FFFD.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// appendString appends s as a quoted JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

func appendInt(dst []byte, i int64) []byte { return strconv.AppendInt(dst, i, 10) }

// neverTime is how QRS writes "never" (publishTime of unpublished items).
const neverTime = "1753-01-01T00:00:00.000Z"

// appendTimeRaw appends the UTC time ms (milliseconds since 1970) as
// 2019-01-04T19:40:06.191Z, or neverTime for ms <= neverMillis.
func appendTimeRaw(dst []byte, ms int64) []byte {
	if ms <= neverMillis {
		return append(dst, neverTime...)
	}
	days := ms / 86400000
	rem := ms % 86400000
	// civil-from-days (H. Hinnant), valid for the dates generated here.
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	h := rem / 3600000
	mi := rem / 60000 % 60
	s := rem / 1000 % 60
	milli := rem % 1000
	dst = append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.', byte('0'+milli/100), byte('0'+milli/10%10), byte('0'+milli%10), 'Z')
	return dst
}

// neverMillis is 1753-01-01T00:00:00Z in Unix milliseconds.
const neverMillis = -6847804800000

func appendTime(dst []byte, ms int64) []byte {
	dst = append(dst, '"')
	dst = appendTimeRaw(dst, ms)
	return append(dst, '"')
}

func timeString(ms int64) string { return string(appendTimeRaw(nil, ms)) }

type guidText [36]byte

// formatGUID writes 16 bytes in the 8-4-4-4-12 lower-case form.
func formatGUID(b [16]byte) guidText {
	var t guidText
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			t[j] = '-'
			j++
		}
		t[j] = hexDigits[c>>4]
		t[j+1] = hexDigits[c&0xf]
		j += 2
	}
	return t
}

func appendGUID(dst []byte, t *guidText) []byte {
	dst = append(dst, '"')
	dst = append(dst, t[:]...)
	return append(dst, '"')
}
