package testserver

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// Hashing for the generator (gen.go): splitmix64 streams, the Feistel
// permutation that makes GUIDs decodable, and GUIDs derived from both.

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// rng is a splitmix64 stream.
type rng uint64

func (g *GenSite) rng(domain, i uint64) rng { return rng(mix64(g.seed ^ domain<<56 ^ mix64(i))) }

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	return mix64(uint64(*r))
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) chance(p float64) bool { return r.float() < p }

// permute is a 4-round Feistel permutation of 32-bit indexes, keyed by the
// seed and domain: GUIDs carry permute(i) in their first 8 hex digits so
// that a GUID in a filter leads back to its item without any index.
func (g *GenSite) permute(domain uint64, i uint32) uint32 {
	l, r := uint16(i>>16), uint16(i)
	for round := uint64(0); round < 4; round++ {
		l, r = r, l^g.feistel(domain, round, r)
	}
	return uint32(l)<<16 | uint32(r)
}

func (g *GenSite) unpermute(domain uint64, v uint32) uint32 {
	l, r := uint16(v>>16), uint16(v)
	for round := uint64(4); round > 0; round-- {
		l, r = r^g.feistel(domain, round-1, l), l
	}
	return uint32(l)<<16 | uint32(r)
}

func (g *GenSite) feistel(domain, round uint64, half uint16) uint16 {
	return uint16(mix64(g.seed ^ domain<<56 ^ round<<48 ^ uint64(half)))
}

// itemGUID is the GUID of item i of a domain: version 4 form, decodable
// through findGUID.
func (g *GenSite) itemGUID(domain uint64, i int) guidText {
	var b [16]byte
	binary.BigEndian.PutUint32(b[0:4], g.permute(domain, uint32(i)))
	h := mix64(g.seed ^ domain<<56 ^ uint64(i) ^ 0x6a09e667f3bcc908)
	binary.BigEndian.PutUint64(b[4:12], h)
	binary.BigEndian.PutUint32(b[12:16], uint32(mix64(h)))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

// findGUID returns the index of the item of a domain whose GUID is s.
func (g *GenSite) findGUID(domain uint64, s string, n int) (int, bool) {
	if !IsGUID(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:8], 16, 32)
	if err != nil {
		return 0, false
	}
	i := g.unpermute(domain, uint32(v))
	if uint64(i) >= uint64(n) {
		return 0, false
	}
	t := g.itemGUID(domain, int(i))
	if !strings.EqualFold(string(t[:]), s) {
		return 0, false
	}
	return int(i), true
}

// hashGUID is a GUID for values that are never looked up (tags, blob ids).
func (g *GenSite) hashGUID(domain, i uint64) guidText {
	var b [16]byte
	h := mix64(g.seed ^ domain<<56 ^ mix64(i^0xbb67ae8584caa73b))
	binary.BigEndian.PutUint64(b[0:8], h)
	binary.BigEndian.PutUint64(b[8:16], mix64(h))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}
