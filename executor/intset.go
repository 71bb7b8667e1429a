package executor

import "math/bits"

// intSet is a set of int64 keys for foreign-key checks. Keys of a bulk
// load are usually dense (ids), so the set starts as a bitmap over the
// range of the keys added, which costs a bit test per row where a hash
// map costs a hash and a probe; when the range grows past maxBitmapBits
// it turns into a map.
type intSet struct {
	lo   int64    // the key of bit 0
	bits []uint64 // nil in map mode or before the first key
	m    map[int64]struct{}
	n    int
}

// maxBitmapBits bounds the bitmap (8 MiB); sparser keys use the map.
const maxBitmapBits = 1 << 26

func (s *intSet) len() int { return s.n }

// add adds v and reports whether it was new.
func (s *intSet) add(v int64) bool {
	if s.m != nil {
		if _, ok := s.m[v]; ok {
			return false
		}
		s.m[v] = struct{}{}
		s.n++
		return true
	}
	if s.bits == nil {
		s.lo, s.bits = v-v&63, make([]uint64, 1024) // 64Ki keys from the first
	}
	if !s.covers(v) && !s.grow(v) {
		return s.add(v) // now a map
	}
	i := uint64(v - s.lo)
	w, b := i/64, uint64(1)<<(i%64)
	if s.bits[w]&b != 0 {
		return false
	}
	s.bits[w] |= b
	s.n++
	return true
}

func (s *intSet) covers(v int64) bool {
	return v >= s.lo && uint64(v-s.lo) < uint64(len(s.bits))*64
}

// grow widens the bitmap to cover v, at least doubling it; past
// maxBitmapBits it moves the keys to a map and reports false.
func (s *intSet) grow(v int64) bool {
	lo, hi := s.lo, s.lo+int64(len(s.bits))*64 // [lo, hi)
	size := hi - lo
	if v < lo {
		lo = min(v, hi-2*size)
	} else {
		hi = max(v+1, lo+2*size)
	}
	if hi-lo > maxBitmapBits || hi < lo {
		s.toMap()
		return false
	}
	lo -= lo & 63 // keep old words aligned with new ones
	nb := make([]uint64, (hi-lo+63)/64)
	copy(nb[(s.lo-lo)/64:], s.bits)
	s.lo, s.bits = lo, nb
	return true
}

func (s *intSet) toMap() {
	s.m = make(map[int64]struct{}, s.n)
	for w, word := range s.bits {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			s.m[s.lo+int64(w*64+b)] = struct{}{}
			word &= word - 1
		}
	}
	s.bits = nil
}

func (s *intSet) has(v int64) bool {
	if s.m != nil {
		_, ok := s.m[v]
		return ok
	}
	if s.bits == nil || !s.covers(v) {
		return false
	}
	i := uint64(v - s.lo)
	return s.bits[i/64]&(1<<(i%64)) != 0
}

// remove removes v and reports whether it was there.
func (s *intSet) remove(v int64) bool {
	if s.m != nil {
		if _, ok := s.m[v]; !ok {
			return false
		}
		delete(s.m, v)
		s.n--
		return true
	}
	if s.bits == nil || !s.covers(v) {
		return false
	}
	i := uint64(v - s.lo)
	w, b := i/64, uint64(1)<<(i%64)
	if s.bits[w]&b == 0 {
		return false
	}
	s.bits[w] &^= b
	s.n--
	return true
}
