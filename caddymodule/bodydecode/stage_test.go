package bodydecode

import (
	"bytes"
	"testing"
)

// committedWriter fails the test if bytes arrive before the header commit.
type committedWriter struct {
	t         *testing.T
	name      string
	committed *int
	buf       bytes.Buffer
}

func (w *committedWriter) Write(p []byte) (int, error) {
	if *w.committed != 1 {
		w.t.Errorf("%d bytes written to %s with %d commits", len(p), w.name, *w.committed)
	}
	return w.buf.Write(p)
}

// TestStage: what the client receives for every case, whole and cut in
// chunks: the decoded page, the upstream's bytes untouched, or an error
// that aborts the response — and the header committed once, first.
func TestStage(t *testing.T) {
	for _, c := range decodeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			cuts := chunkings(len(c.body))
			if len(cuts) > 12 {
				cuts = append(cuts[:6], cuts[len(cuts)-6:]...)
			}
			for _, sizes := range cuts {
				commits, decodedCommit := 0, false
				dst := &committedWriter{t: t, name: "dst", committed: &commits}
				raw := &committedWriter{t: t, name: "raw", committed: &commits}
				s, err := NewStage(c.enc, dst, raw, func(decoded bool) { commits++; decodedCommit = decoded }, c.opts)
				if err != nil {
					t.Fatal(err)
				}
				rest := c.body
				for i := 0; len(rest) > 0 && err == nil; i++ {
					n := len(rest)
					if i < len(sizes) && sizes[i] < n {
						n = sizes[i]
					}
					_, err = s.Write(rest[:n])
					rest = rest[n:]
				}
				if err == nil {
					err = s.Close()
				} else {
					s.Abort()
				}
				switch c.want {
				case nil:
					if err != nil || commits != 1 || !decodedCommit || raw.buf.Len() != 0 || (c.out != nil && !bytes.Equal(dst.buf.Bytes(), c.out)) {
						t.Fatalf("chunks %v: err %v, %d commits (decoded %v), %d raw, %d decoded", short(sizes), err, commits, decodedCommit, raw.buf.Len(), dst.buf.Len())
					}
				case ErrUndecodable:
					if err != nil || commits != 1 || decodedCommit || !s.PassedThrough() || dst.buf.Len() != 0 || !bytes.Equal(raw.buf.Bytes(), c.body) {
						t.Fatalf("chunks %v: err %v, %d commits (decoded %v), %d of %d raw bytes, %d decoded", short(sizes), err, commits, decodedCommit, raw.buf.Len(), len(c.body), dst.buf.Len())
					}
				default:
					if Decide(err) != AbortResponse || class(err) != c.want || raw.buf.Len() != 0 || (commits == 1) != c.outputStarted || commits > 1 {
						t.Fatalf("chunks %v: err %v (%v), %d commits, %d raw bytes", short(sizes), err, Decide(err), commits, raw.buf.Len())
					}
				}
			}
		})
	}
}
