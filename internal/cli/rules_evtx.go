package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/engine/evtx"
)

// evtxEvents reads the events of a Windows event log file (EVTX) in
// record order: each is flattened to the field names Sigma's Windows
// rules use and classified by its channel and event id, as the JSON
// reader does for exported events. Damaged chunks and records are
// skipped by the reader; r.Stats tells how many.
type evtxEvents struct {
	r *evtx.Reader
}

func (e *evtxEvents) Next() (*detect.Event, error) {
	ev, err := e.r.Next()
	if err != nil {
		return nil, err // io.EOF at the end
	}
	out := detect.NewEvent(evtx.Flatten(ev))
	out.Logsource = detect.Classify(out)
	return out, nil
}

// openEventFile opens the events of f: an EVTX file by its signature,
// anything else through detect's formats (JSON in its shapes).
func openEventFile(f *os.File) (detect.EventReader, *evtx.Reader, error) {
	head := make([]byte, 8)
	if n, _ := f.ReadAt(head, 0); evtx.HasSignature(head[:n]) {
		st, err := f.Stat()
		if err != nil {
			return nil, nil, err
		}
		r, err := evtx.Open(f, st.Size())
		if err != nil {
			return nil, nil, err
		}
		return &evtxEvents{r: r}, r, nil
	}
	r, err := detect.OpenEvents(f, detect.DefaultFormats())
	if errors.Is(err, detect.ErrEVTXUnsupported) {
		return nil, nil, fmt.Errorf("EVTX: %w", err) // a signature ReadAt did not see
	}
	return r, nil, err
}
