package metrics

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Limits of the Embedded Metric Format and of CloudWatch metric names.
const (
	// maxDimensionsPerSet is the most dimension keys a dimension set may hold.
	maxDimensionsPerSet = 30
	// maxMetricsPerDirective is the most metrics one metric directive may define.
	maxMetricsPerDirective = 100
	// maxNameLength bounds a metric name and a namespace.
	maxNameLength = 255
	// unitCount is the CloudWatch unit of every count.
	unitCount = "Count"
)

// namespacePattern is what CloudWatch accepts as a custom namespace.
var namespacePattern = regexp.MustCompile(`^[A-Za-z0-9 ._/#:-]{1,255}$`)

// NamespaceFromEnv is the namespace of the metrics: resourcenames.EnvVarMetricsNamespace when
// it is set to a valid custom namespace, else resourcenames.MetricNamespace.
func NamespaceFromEnv(getenv func(string) string) string {
	if ns := strings.TrimSpace(getenv(resourcenames.EnvVarMetricsNamespace)); validNamespace(ns) {
		return ns
	}
	return resourcenames.MetricNamespace
}

// validNamespace: 1 to 255 of CloudWatch's namespace characters, not in AWS's own "AWS/".
func validNamespace(ns string) bool {
	return namespacePattern.MatchString(ns) && !strings.HasPrefix(ns, "AWS/")
}

// EMF writes each count as one line of CloudWatch's Embedded Metric Format to a writer (in
// Lambda, stdout). A line looks like
//
//	{"MessagesOut":1,"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"Wabot",
//	"Dimensions":[["clientId"],["clientId","storeId"],[]],"Metrics":[{"Name":"MessagesOut","Unit":"Count"}]}]},
//	"clientId":"demo-burger","storeId":"centro"}
//
// (on one line): the count per brand, per store of the brand, and in all. Without a store the
// per-store set is left out; without a brand only the total is counted. It is safe for
// concurrent use: lines are written whole, one Write each.
type EMF struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	now       func() time.Time
	dropped   atomic.Int64
}

// NewEMF returns a recorder writing to w in namespace; an empty or invalid namespace (see
// NamespaceFromEnv) is resourcenames.MetricNamespace.
func NewEMF(w io.Writer, namespace string) *EMF {
	if !validNamespace(namespace) {
		namespace = resourcenames.MetricNamespace
	}
	return &EMF{w: w, namespace: namespace, now: time.Now}
}

// Namespace is the namespace the recorder writes to.
func (e *EMF) Namespace() string { return e.namespace }

// Dropped is how many counts were not written: an invalid name or value, or a failed write.
func (e *EMF) Dropped() int64 { return e.dropped.Load() }

// Count writes one line for n of the metric name of the tenant d.
func (e *EMF) Count(_ context.Context, name string, n float64, d Dims) {
	line, ok := e.line(name, n, d)
	if !ok {
		e.dropped.Add(1)
		return
	}
	e.mu.Lock()
	_, err := e.w.Write(line)
	e.mu.Unlock()
	if err != nil {
		e.dropped.Add(1)
	}
}

// emfMetadata is the "_aws" member of an EMF document.
type emfMetadata struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

type emfDirective struct {
	Namespace  string          `json:"Namespace"`
	Dimensions [][]string      `json:"Dimensions"`
	Metrics    []emfDefinition `json:"Metrics"`
}

type emfDefinition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// line is the EMF document of one count, newline-terminated; false when the name or the
// value cannot be a metric.
func (e *EMF) line(name string, n float64, d Dims) ([]byte, bool) {
	if !validMetricName(name) || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, false
	}
	doc := map[string]any{name: n}
	sets := [][]string{}
	if validID(d.ClientID) {
		doc[dimClientID] = d.ClientID
		sets = append(sets, []string{dimClientID})
		if validID(d.StoreID) {
			doc[dimStoreID] = d.StoreID
			sets = append(sets, []string{dimClientID, dimStoreID})
		}
	}
	sets = append(sets, []string{}) // the total over every tenant
	doc["_aws"] = emfMetadata{
		Timestamp: e.now().UnixMilli(),
		CloudWatchMetrics: []emfDirective{{
			Namespace:  e.namespace,
			Dimensions: sets,
			Metrics:    []emfDefinition{{Name: name, Unit: unitCount}},
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, false
	}
	return append(b, '\n'), true
}

// validMetricName: 1 to 255 printable ASCII characters, and not a member the document
// already uses for something else.
func validMetricName(name string) bool {
	if name == "" || len(name) > maxNameLength || name == "_aws" || name == dimClientID || name == dimStoreID {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			return false
		}
	}
	return true
}

// validID: a dimension value is an id or nothing, so nothing else (a phone number with its
// "+", a message) can become one.
func validID(id string) bool { return resourcenames.ValidateID("id", id) == nil }
