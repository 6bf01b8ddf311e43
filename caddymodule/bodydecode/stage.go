package bodydecode

import (
	"errors"
	"io"
)

// Stage is the whole decision a response writer needs for a compressed
// page, testable without a server. Bytes written to it are decoded into
// dst (the HTML rewriter) while decoding works; if the body turns out
// undecodable before anything was decoded, the raw bytes received so far
// and everything after them go to raw (the client, untouched) instead.
//
// commit is called exactly once, before the first byte leaves by either
// path: commit(true) when decoded output follows (drop Content-Encoding
// and Content-Length, write the header), commit(false) for a pass-through
// (write the upstream's header unchanged, cookies still enforced). A body
// that decodes to nothing commits (true) at Close.
//
// Errors from Write, Flush and Close are for Decide: AbortResponse means
// the body broke after decoded output started (log err at WARN, then
// panic(http.ErrAbortHandler)); WriteFailed is an error of dst or raw.
type Stage struct {
	dec       *Decoder
	raw       io.Writer
	commit    func(decoded bool)
	committed bool
	passing   bool
	err       error
}

// NewStage returns a Stage for Content-Encoding enc. opts.OnFirstOutput is
// replaced by the commit callback.
func NewStage(enc string, dst, raw io.Writer, commit func(decoded bool), opts Options) (*Stage, error) {
	s := &Stage{raw: raw, commit: commit}
	opts.OnFirstOutput = func() { s.doCommit(true) }
	d, err := New(enc, dst, opts)
	if err != nil {
		return nil, err
	}
	s.dec = d
	return s, nil
}

func (s *Stage) doCommit(decoded bool) {
	if !s.committed {
		s.committed = true
		s.commit(decoded)
	}
}

// PassedThrough reports whether the body is being sent undecoded.
func (s *Stage) PassedThrough() bool { return s.passing }

// Write decodes p, or passes it through once the body proved undecodable.
func (s *Stage) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.passing {
		n, err := s.raw.Write(p)
		if err != nil {
			s.err = err
		}
		return n, err
	}
	n, err := s.dec.Write(p)
	if err == nil {
		return n, nil
	}
	if errors.Is(err, ErrUndecodable) {
		if err := s.passThrough(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	s.err = err
	return n, err
}

// passThrough switches to raw output and sends what was held back.
func (s *Stage) passThrough() error {
	s.passing = true
	s.doCommit(false)
	if b := s.dec.Raw(); len(b) > 0 {
		if _, err := s.raw.Write(b); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// Flush flushes dst if it can (see Decoder.Flush); a pass-through has
// nothing held.
func (s *Stage) Flush() error {
	if s.err != nil {
		return s.err
	}
	if s.passing {
		return nil
	}
	return s.dec.Flush()
}

// Close ends the body. nil: the body was complete (decoded or passed
// through); otherwise see Decide.
func (s *Stage) Close() error {
	if s.err != nil {
		return s.err
	}
	if s.passing {
		return nil
	}
	err := s.dec.Close()
	switch {
	case err == nil:
		s.doCommit(true) // a body that decoded to nothing
		return nil
	case errors.Is(err, ErrUndecodable):
		return s.passThrough()
	}
	s.err = err
	return err
}

// Abort stops decoding (upstream or handler error) without writing.
func (s *Stage) Abort() {
	s.dec.Abort()
	if s.err == nil {
		s.err = errAborted
	}
}
