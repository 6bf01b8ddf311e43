package trackers

import "slices"

// sigMatcher finds inline signatures in script text in one pass
// (Aho-Corasick over a reduced alphabet). Matching ignores case,
// whitespace and backslashes, and treats ' " ` as one character.
//
// The automaton is a dense table over the trie truncated at depth
// depth, the largest whose rows fit in 64 Ki uint16 entries (128 KiB, no
// bounds check per byte): with the default presets (276 signatures,
// 4,086 trie nodes, 48 columns) a full int32 table took ~0.8 MB, the
// truncated one (depth 7, 1,137 states) 128 KiB plus ~40 KB of sparse
// trie. Signatures longer than depth continue in the sparse trie, walked
// forward from where the table reached one of its depth-depth states:
// the table's state is always the longest suffix of the text that is a
// trie node of depth <= depth, so an occurrence of a signature puts the
// table in the state of its depth-byte prefix exactly where that prefix
// ends. (An ignored byte after a reported state reports it again.)
type sigMatcher struct {
	// cls maps a byte to its column: the signature alphabet's classes
	// (case folded, ' " ` as one), 0 for bytes no signature has, and
	// nclass for the ignored bytes, whose column keeps the state.
	cls    [256]uint8
	nclass int
	depth  int // trie depth covered by next
	// next[s+c] is the next state's row offset for the state whose row
	// offset is s and column c. States are numbered so that those to
	// report (some signature ends there, or the sparse trie goes on from
	// there) come last: their row offsets are >= lim, one compare per
	// byte. next is nil when there is no signature.
	next *[1 << 16]uint16
	lim  uint16
	ncol uint16
	// Per reported state (row offset - lim) / ncol: the vendors whose
	// signature ends there (outStart/outs), and the sparse trie node the
	// walk starts from (deepOf, -1 if none).
	outStart []int32
	outs     []int32
	deepOf   []int32
	// Sparse trie below depth, numbered depth first so that a node's
	// first child (if any) is the next node.
	deep     []sigDeep
	deepOuts []int32
}

// sigDeep is a node of the sparse trie.
type sigDeep struct {
	cls      uint8 // class of the edge into the node
	hasChild bool
	nout     uint16 // vendors whose signature ends here: deepOuts[out:out+nout]
	sib      int32  // next sibling, 0 for none
	out      int32
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

// sigNode is a trie node while building: children as a linked list of
// siblings (most nodes have one child).
type sigNode struct {
	child, sib int32 // first child, next sibling; -1 for none
	depth      int32
	cls        uint8 // class of the edge into this node
}

func newSigMatcher(vendors []Vendor) *sigMatcher {
	return newSigMatcherSized(vendors, 1<<16)
}

// newSigMatcherSized builds the matcher with a table of at most entries
// (<= 1<<16) entries if the depth-1 states fit, so that tests can cover
// every truncation depth.
func newSigMatcherSized(vendors []Vendor, entries int) *sigMatcher {
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
	if len(sigs) == 0 {
		return m
	}
	// Alphabet: every byte used by a signature gets a class.
	var class [256]uint8
	var used [256]bool
	for _, s := range sigs {
		for i := 0; i < len(s.s); i++ {
			used[s.s[i]] = true
		}
	}
	m.nclass = 1
	for c := 0; c < 256; c++ {
		if used[c] {
			class[c] = uint8(m.nclass)
			m.nclass++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		class[c] = class[c|0x20]
	}
	class['"'], class['`'] = class['\''], class['\'']
	for _, c := range []byte{' ', '\t', '\n', '\r', '\f', '\\'} {
		class[c] = classSkip
	}
	m.cls = class
	for c := range m.cls {
		if m.cls[c] == classSkip {
			m.cls[c] = uint8(m.nclass)
		}
	}
	ncol := m.nclass + 1

	// Trie, children as sibling lists; own outputs as (node, vendor).
	total := 1
	for _, s := range sigs {
		total += len(s.s)
	}
	nodes := make([]sigNode, 1, total)
	nodes[0] = sigNode{child: -1, sib: -1}
	type nodeOut struct{ node, vendor int32 }
	own := make([]nodeOut, 0, len(sigs))
	child := func(st int32, c uint8) int32 {
		for t := nodes[st].child; t >= 0; t = nodes[t].sib {
			if nodes[t].cls == c {
				return t
			}
		}
		return -1
	}
	for _, s := range sigs {
		st := int32(0)
		for i := 0; i < len(s.s); i++ {
			c := class[s.s[i]]
			t := child(st, c)
			if t < 0 {
				t = int32(len(nodes))
				nodes = append(nodes, sigNode{child: -1, sib: nodes[st].child, depth: nodes[st].depth + 1, cls: c})
				nodes[st].child = t
			}
			st = t
		}
		own = append(own, nodeOut{st, s.vendor})
	}
	// Depth covered by the table: the largest whose states' rows fit
	// in 64 Ki entries (depth 1 always does: at most 224 columns).
	maxDepth := int32(0)
	for _, s := range sigs {
		maxDepth = max(maxDepth, int32(len(s.s)))
	}
	perDepth := make([]int, maxDepth+1)
	for _, nd := range nodes {
		perDepth[nd.depth]++
	}
	m.depth = 1
	for d, total := 0, 0; d <= int(maxDepth); d++ {
		total += perDepth[d]
		if total*ncol > entries {
			break
		}
		m.depth = max(d, 1)
	}
	depth := int32(m.depth)
	n, ndeep := 0, 0 // table states, sparse trie nodes
	for _, nd := range nodes {
		switch {
		case nd.depth <= depth:
			n++
			if nd.depth == depth && nd.child >= 0 {
				ndeep++
			}
		default:
			ndeep++
		}
	}

	// Breadth-first order of the table's states (depth <= depth) with
	// their failure links, found by following the parent's failure chain
	// (every table state's children within depth are table states).
	idx := make([]int32, len(nodes)) // trie node → breadth-first number
	bfs := make([]int32, 1, n)       // breadth-first number → trie node
	fail := make([]int32, 1, n)      // breadth-first numbers
	for i := 0; i < len(bfs); i++ {
		st := bfs[i]
		if nodes[st].depth == depth {
			continue
		}
		for t := nodes[st].child; t >= 0; t = nodes[t].sib {
			f := int32(0)
			if i > 0 {
				c := nodes[t].cls
				for g := fail[i]; ; g = fail[g] {
					if u := child(bfs[g], c); u >= 0 {
						f = idx[u]
						break
					}
					if g == 0 {
						break
					}
				}
			}
			idx[t] = int32(len(bfs))
			bfs = append(bfs, t)
			fail = append(fail, f)
		}
	}
	// Outputs: own ones plus the failure state's (breadth first, so the
	// failure state's are complete).
	outs := make([][]int32, n)
	for _, o := range own {
		if nodes[o.node].depth <= depth {
			i := idx[o.node]
			outs[i] = appendUnique(outs[i], o.vendor)
		}
	}
	for i := 1; i < n; i++ {
		for _, v := range outs[fail[i]] {
			outs[i] = appendUnique(outs[i], v)
		}
	}
	// Final numbering: states to report last.
	report := func(i int) bool {
		return len(outs[i]) > 0 || (nodes[bfs[i]].depth == depth && nodes[bfs[i]].child >= 0)
	}
	num := make([]int32, n) // breadth-first → final
	var reported []int32    // final - first reported → breadth-first
	k := int32(0)
	for i := 0; i < n; i++ {
		if !report(i) {
			num[i] = k
			k++
		}
	}
	m.lim = uint16(int(k) * ncol)
	for i := 0; i < n; i++ {
		if report(i) {
			num[i] = k
			k++
			reported = append(reported, int32(i))
		}
	}
	// The table, filled breadth first: a state's row is its failure
	// state's with its own edges replacing those entries; the ignored
	// bytes' column keeps the state.
	m.ncol = uint16(ncol)
	m.next = new([1 << 16]uint16)
	for i := 0; i < n; i++ {
		off := int(num[i]) * ncol
		row := m.next[off : off+ncol]
		if i > 0 {
			f := int(num[fail[i]]) * ncol
			copy(row, m.next[f:f+m.nclass])
		}
		row[m.nclass] = uint16(off)
		if st := bfs[i]; nodes[st].depth < depth {
			for t := nodes[st].child; t >= 0; t = nodes[t].sib {
				row[nodes[t].cls] = uint16(int(num[idx[t]]) * ncol)
			}
		}
	}
	// Sparse trie: below each depth-depth node with children, depth
	// first.
	m.outStart = make([]int32, 0, len(reported)+1)
	m.deepOf = make([]int32, 0, len(reported))
	var ownOf map[int32][]int32 // deep trie node → own vendors
	for _, o := range own {
		if nodes[o.node].depth > depth {
			if ownOf == nil {
				ownOf = make(map[int32][]int32)
			}
			ownOf[o.node] = appendUnique(ownOf[o.node], o.vendor)
		}
	}
	m.deep = make([]sigDeep, 0, ndeep)
	nouts := 0
	for _, i := range reported {
		nouts += len(outs[i])
	}
	m.outs = make([]int32, 0, nouts)
	var stack, last []int32 // last: see below
	for _, i := range reported {
		m.outStart = append(m.outStart, int32(len(m.outs)))
		m.outs = append(m.outs, outs[i]...)
		st := bfs[i]
		if nodes[st].depth < depth || nodes[st].child < 0 {
			m.deepOf = append(m.deepOf, -1)
			continue
		}
		m.deepOf = append(m.deepOf, int32(len(m.deep)))
		// Preorder; a node's sibling link is set when the sibling is
		// numbered: last[k] is the last node numbered at depth k below
		// st since a shallower one was, so a sibling.
		stack = append(stack[:0], st)
		last = last[:0]
		for len(stack) > 0 {
			t := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			k := int(nodes[t].depth - depth)
			num := int32(len(m.deep))
			if k < len(last) && last[k] >= 0 {
				m.deep[last[k]].sib = num
			}
			last = append(last[:min(k, len(last))], num)
			vs := ownOf[t]
			m.deep = append(m.deep, sigDeep{cls: nodes[t].cls, hasChild: nodes[t].child >= 0, nout: uint16(len(vs)), out: int32(len(m.deepOuts))})
			m.deepOuts = append(m.deepOuts, vs...)
			// Children pushed in reverse so that they are numbered in
			// list order (any order would do).
			mark := len(stack)
			for c := nodes[t].child; c >= 0; c = nodes[c].sib {
				stack = append(stack, c)
			}
			slices.Reverse(stack[mark:])
		}
	}
	m.outStart = append(m.outStart, int32(len(m.outs)))
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
	next := m.next
	if next == nil {
		return
	}
	cls, lim := &m.cls, m.lim
	st := uint16(0)
	for i, b := range text {
		x := next[st+uint16(cls[b])]
		if x >= lim {
			m.report(x, text[i+1:], found)
		}
		st = x
	}
}

// report handles a reported state (row offset x): the vendors whose
// signature ends here, then the longer signatures sharing the table's
// prefix, walked forward in rest through the sparse trie.
func (m *sigMatcher) report(x uint16, rest []byte, found func(vendor int)) {
	r := int((x - m.lim) / m.ncol)
	for _, v := range m.outs[m.outStart[r]:m.outStart[r+1]] {
		found(int(v))
	}
	d := m.deepOf[r]
	if d < 0 {
		return
	}
	skip, deep := uint8(m.nclass), m.deep
	for _, b := range rest {
		c := m.cls[b]
		if c == skip {
			continue
		}
		if !deep[d].hasChild {
			return
		}
		for d++; deep[d].cls != c; {
			if d = deep[d].sib; d == 0 {
				return
			}
		}
		if n := deep[d]; n.nout > 0 {
			for _, v := range m.deepOuts[n.out : n.out+int32(n.nout)] {
				found(int(v))
			}
		}
	}
}
