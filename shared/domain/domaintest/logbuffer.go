package domaintest

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// LogBuffer is a log sink (an io.Writer for a slog handler) safe for concurrent writes, so a
// test can read what goroutines of the code under test logged. The zero value is empty.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Events counts the JSON log lines (slog.JSONHandler's) whose top-level "event" attribute is
// name. Lines that are not JSON objects are not counted.
func (b *LogBuffer) Events(name string) int {
	n := 0
	for _, line := range strings.Split(b.String(), "\n") {
		var attrs map[string]any
		if json.Unmarshal([]byte(line), &attrs) == nil && attrs["event"] == name {
			n++
		}
	}
	return n
}
