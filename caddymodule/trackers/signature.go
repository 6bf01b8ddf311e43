package trackers

// sigMatcher finds inline signatures in script text in one pass
// (Aho-Corasick over a reduced alphabet). Matching ignores case,
// whitespace and backslashes, and treats ' " ` as one character.
type sigMatcher struct {
	class  [256]uint8 // byte → class; classSkip bytes are ignored
	nclass int
	out    [][]int32 // state → vendor indices whose signature ends here
	// scan's tables: cls is class with the ignored bytes in a column of
	// their own (nclass) that stays in the state; next holds, per state s
	// at s*ncol and class c, the next state t as t*ncol, or ^(t*ncol) when
	// t has outputs. One load and one sign test per byte.
	cls  [256]uint8
	ncol int32
	next []int32
}

const (
	classSkip  = 255
	classOther = 0
)

// normalizeSignature applies the matching rules to a signature.
func normalizeSignature(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\\':
			continue
		case c == '"' || c == '`':
			c = '\''
		case c >= 'A' && c <= 'Z':
			c |= 0x20
		}
		b = append(b, c)
	}
	return string(b)
}

func newSigMatcher(vendors []Vendor) *sigMatcher {
	m := &sigMatcher{}
	type sig struct {
		s      string
		vendor int32
	}
	var sigs []sig
	for i := range vendors {
		for _, s := range vendors[i].InlineSignatures {
			if n := normalizeSignature(s); n != "" {
				sigs = append(sigs, sig{n, int32(i)})
			}
		}
	}
	// Alphabet: every byte used by a signature gets a class.
	var used [256]bool
	for _, s := range sigs {
		for i := 0; i < len(s.s); i++ {
			used[s.s[i]] = true
		}
	}
	m.nclass = 1
	for c := 0; c < 256; c++ {
		if used[c] {
			m.class[c] = uint8(m.nclass)
			m.nclass++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c|0x20]
	}
	m.class['"'], m.class['`'] = m.class['\''], m.class['\'']
	for _, c := range []byte{' ', '\t', '\n', '\r', '\f', '\\'} {
		m.class[c] = classSkip
	}
	// Trie.
	goTo := [][]int32{make([]int32, m.nclass)}
	m.out = [][]int32{nil}
	for i := range goTo[0] {
		goTo[0][i] = -1
	}
	for _, s := range sigs {
		st := int32(0)
		for i := 0; i < len(s.s); i++ {
			c := m.class[s.s[i]]
			if goTo[st][c] < 0 {
				row := make([]int32, m.nclass)
				for j := range row {
					row[j] = -1
				}
				goTo = append(goTo, row)
				m.out = append(m.out, nil)
				goTo[st][c] = int32(len(goTo) - 1)
			}
			st = goTo[st][c]
		}
		m.out[st] = appendUnique(m.out[st], s.vendor)
	}
	// Failure links, breadth first; complete the transition table.
	n := len(goTo)
	fail := make([]int32, n)
	delta := make([]int32, n*m.nclass) // state*nclass + class → next state
	queue := make([]int32, 0, n)
	for c := 0; c < m.nclass; c++ {
		if t := goTo[0][c]; t >= 0 {
			fail[t] = 0
			delta[c] = t
			queue = append(queue, t)
		} else {
			delta[c] = 0
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, v := range m.out[fail[st]] {
			m.out[st] = appendUnique(m.out[st], v)
		}
		for c := 0; c < m.nclass; c++ {
			t := goTo[st][c]
			if t >= 0 {
				fail[t] = delta[int(fail[st])*m.nclass+c]
				delta[int(st)*m.nclass+c] = t
				queue = append(queue, t)
			} else {
				delta[int(st)*m.nclass+c] = delta[int(fail[st])*m.nclass+c]
			}
		}
	}
	hasOut := make([]bool, n)
	for i, o := range m.out {
		hasOut[i] = len(o) > 0
	}
	m.cls = m.class
	for c := range m.cls {
		if m.cls[c] == classSkip {
			m.cls[c] = uint8(m.nclass)
		}
	}
	ncol := m.nclass + 1
	m.ncol = int32(ncol)
	m.next = make([]int32, n*ncol)
	for st := 0; st < n; st++ {
		for c := 0; c < m.nclass; c++ {
			t := delta[st*m.nclass+c]
			x := t * m.ncol
			if hasOut[t] {
				x = ^x
			}
			m.next[st*ncol+c] = x
		}
		m.next[st*ncol+m.nclass] = int32(st * ncol)
	}
	return m
}

func appendUnique(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// scan calls found for every vendor whose signature occurs in text (a
// vendor may be reported more than once).
func (m *sigMatcher) scan(text []byte, found func(vendor int)) {
	if len(m.next) == 0 {
		return
	}
	next, cls := m.next, &m.cls
	st := int32(0)
	for _, b := range text {
		x := next[st+int32(cls[b])]
		if x < 0 {
			x = ^x
			for _, v := range m.out[x/m.ncol] {
				found(int(v))
			}
		}
		st = x
	}
}
