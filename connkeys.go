package qrs

// The keys that a connection file may hold, and the suggestions for those
// it misspells. The file itself is read in connfile.go.

import (
	"slices"
	"strings"

	"github.com/qrskit/qrs/internal/hocon"
)

// The keys of a connection file, and the blocks that hold them.
var (
	connectionKeys = []string{
		"name", "code", "connector_id", "enabled",
		"connection.url", "connection.auth.key", "connection.auth.value",
		"tls.truststore.path", "tls.truststore.password", "tls.truststore.type",
		"tls.bypass_certificate_validation",
		"proxy.scheme", "proxy.hostname", "proxy.port", "proxy.username", "proxy.password",
		// After the keys above, which the suggestions then prefer.
		keyAuthType, keyUserDirectory, keyUserID,
		keyJWTKeyPath, keyJWTAlgorithm, keyJWTUserClaim, keyJWTDirClaim, keyJWTAudience, keyJWTLifetime,
		keyWinUser, keyWinPassword, keyWinUserAgent,
		keyCertPath, keyCertKeyPath, keyCertPassword,
		"filter.streams.include", "filter.streams.exclude", "filter.apps.include", "filter.apps.exclude",
		"filter.tags.include", "filter.tags.exclude", "filter.published_only",
	}
	connectionBlocks = []string{"connection", "connection.auth", "tls", "tls.truststore", "proxy",
		"connection.auth.jwt", "connection.auth.jwt.claims", "connection.auth.windows", "connection.auth.certificate",
		"filter", "filter.streams", "filter.apps", "filter.tags"}
)

// unknownKeys records every key that the format does not know.
func (r *connReader) unknownKeys() {
	for _, leaf := range r.root.Leaves() {
		path := leaf.Path()
		// By segments: Path quotes a segment named include (a HOCON
		// keyword), and a quoted segment with a dot is one segment.
		known := func(k string) bool { return slices.Equal(leaf.Keys, strings.Split(k, ".")) }
		if slices.ContainsFunc(connectionKeys, known) || slices.ContainsFunc(connectionBlocks, known) {
			// A block set to a value is reported by the getters below it.
			continue
		}
		r.errs = append(r.errs, connProblem{err: &hocon.Error{Pos: leaf.KeyPos}, unknown: path})
	}
}

// unknownKeyMessage says that the key path is unknown, and which known
// key it probably meant.
func unknownKeyMessage(path string) string {
	msg := "unknown key " + hocon.Clip(path)
	if s := suggestKey(path); s != "" {
		msg += " (did you mean " + s + "?)"
	}
	return msg
}

// suggestKey returns the known key that an unknown one probably meant: one
// it is the end of (a key outside its block), one of the same block that
// its last segment abbreviates (proxy.host, proxy.user), or the closest in
// spelling.
func suggestKey(unknown string) string {
	for _, k := range connectionKeys {
		if strings.HasSuffix(k, "."+unknown) {
			return k
		}
	}
	block, last := splitLast(unknown)
	for _, k := range connectionKeys {
		if kb, kl := splitLast(k); kb == block && last != "" && strings.HasPrefix(kl, last) {
			return k
		}
	}
	best, bestDist := "", 0
	for _, k := range connectionKeys {
		if len(unknown) > 2*len(k) {
			continue // too far whatever the letters (and slow to measure)
		}
		d := editDistance(unknown, k)
		if d <= max(2, len(k)/3) && (best == "" || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// splitLast splits a dotted path into its block and its last segment.
func splitLast(path string) (block, last string) {
	i := strings.LastIndexByte(path, '.')
	return path[:i+1], path[i+1:]
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
