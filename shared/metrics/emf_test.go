package metrics

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// cloudWatchUnits are the units a MetricDefinition may name.
var cloudWatchUnits = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true, "Megabytes": true,
	"Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true, "Megabits": true, "Gigabits": true,
	"Terabits": true, "Percent": true, "Count": true, "Bytes/Second": true, "Kilobytes/Second": true,
	"Megabytes/Second": true, "Gigabytes/Second": true, "Terabytes/Second": true, "Bits/Second": true,
	"Kilobits/Second": true, "Megabits/Second": true, "Gigabits/Second": true, "Terabits/Second": true,
	"Count/Second": true, "None": true,
}

// checkEMF holds one line to the Embedded Metric Format specification, independently of the
// encoder: a single JSON object on one line whose "_aws" member holds only Timestamp
// (epoch milliseconds within [from, to]) and CloudWatchMetrics; each directive has a
// namespace, dimension sets of at most 30 keys, each key a non-empty string member of the
// root, and 1 to 100 metric definitions, each naming a numeric member of the root. It returns
// the root.
func checkEMF(t *testing.T, line string, from, to time.Time) map[string]any {
	t.Helper()
	if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("not one line: %q", line)
	}
	var root map[string]any
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("not a JSON object: %v: %q", err, line)
	}
	if dec.More() {
		t.Fatalf("data after the object: %q", line)
	}
	meta, ok := root["_aws"].(map[string]any)
	if !ok {
		t.Fatalf("no _aws object: %q", line)
	}
	for k := range meta {
		if k != "Timestamp" && k != "CloudWatchMetrics" {
			t.Errorf("_aws has an unknown member %q", k)
		}
	}
	ts, ok := meta["Timestamp"].(json.Number)
	if !ok {
		t.Fatalf("Timestamp %v is not a number", meta["Timestamp"])
	}
	ms, err := ts.Int64()
	if err != nil || ms < from.UnixMilli() || ms > to.UnixMilli() {
		t.Errorf("Timestamp %s is not epoch milliseconds in [%d, %d]", ts, from.UnixMilli(), to.UnixMilli())
	}
	directives, ok := meta["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		t.Fatalf("CloudWatchMetrics %v", meta["CloudWatchMetrics"])
	}
	for _, x := range directives {
		d, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("directive %v", x)
		}
		if ns, ok := d["Namespace"].(string); !ok || ns == "" {
			t.Errorf("Namespace %v", d["Namespace"])
		}
		sets, ok := d["Dimensions"].([]any)
		if !ok {
			t.Fatalf("Dimensions %v", d["Dimensions"])
		}
		for _, s := range sets {
			keys, ok := s.([]any)
			if !ok || len(keys) > maxDimensionsPerSet {
				t.Errorf("dimension set %v", s)
			}
			for _, k := range keys {
				name, _ := k.(string)
				if v, ok := root[name].(string); !ok || v == "" {
					t.Errorf("dimension %v has no non-empty string value in the root (%v)", k, root[name])
				}
			}
		}
		defs, ok := d["Metrics"].([]any)
		if !ok || len(defs) == 0 || len(defs) > maxMetricsPerDirective {
			t.Fatalf("Metrics %v", d["Metrics"])
		}
		for _, x := range defs {
			def, _ := x.(map[string]any)
			name, _ := def["Name"].(string)
			if _, ok := root[name].(json.Number); !ok || name == "" {
				t.Errorf("metric %q has no numeric value in the root (%v)", name, root[name])
			}
			if u, ok := def["Unit"]; ok && !cloudWatchUnits[u.(string)] {
				t.Errorf("unit %v", u)
			}
		}
	}
	return root
}

// dimensionSets are the line's sets of its only directive.
func dimensionSets(root map[string]any) [][]string {
	var out [][]string
	for _, s := range root["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Dimensions"].([]any) {
		keys := []string{}
		for _, k := range s.([]any) {
			keys = append(keys, k.(string))
		}
		out = append(out, keys)
	}
	return out
}

func TestEMFLine(t *testing.T) {
	cases := []struct {
		name string
		dims Dims
		sets [][]string
		want map[string]string // dimension members of the root
	}{
		{"brand and store", Dims{ClientID: "demo-burger", StoreID: "centro"},
			[][]string{{"clientId"}, {"clientId", "storeId"}, {}}, map[string]string{"clientId": "demo-burger", "storeId": "centro"}},
		{"brand only", Dims{ClientID: "demo-burger"},
			[][]string{{"clientId"}, {}}, map[string]string{"clientId": "demo-burger"}},
		{"nothing known", Dims{}, [][]string{{}}, map[string]string{}},
		{"a store without its brand", Dims{StoreID: "centro"}, [][]string{{}}, map[string]string{}},
		{"not ids", Dims{ClientID: "whatsapp:+5511987654321", StoreID: "Centro Loja"}, [][]string{{}}, map[string]string{}},
		{"a store that is not an id", Dims{ClientID: "demo-burger", StoreID: "+5511987654321"},
			[][]string{{"clientId"}, {}}, map[string]string{"clientId": "demo-burger"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := NewEMF(&buf, "")
			from := time.Now()
			e.Count(context.Background(), MessagesOut, 2, tc.dims)
			root := checkEMF(t, buf.String(), from, time.Now())
			if got := dimensionSets(root); !reflect.DeepEqual(got, tc.sets) {
				t.Errorf("dimension sets %v, want %v", got, tc.sets)
			}
			for _, k := range []string{"clientId", "storeId"} {
				if got, _ := root[k].(string); got != tc.want[k] {
					t.Errorf("%s = %q, want %q", k, got, tc.want[k])
				}
			}
			if v := root[MessagesOut].(json.Number).String(); v != "2" {
				t.Errorf("value %s", v)
			}
			d := root["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
			if d["Namespace"] != resourcenames.MetricNamespace {
				t.Errorf("namespace %v", d["Namespace"])
			}
			if !reflect.DeepEqual(d["Metrics"], []any{map[string]any{"Name": "MessagesOut", "Unit": "Count"}}) {
				t.Errorf("metrics %v", d["Metrics"])
			}
			if len(root) != 2+len(tc.want) {
				t.Errorf("root members %v: only _aws, the value and the dimensions belong there", root)
			}
			if strings.Contains(buf.String(), "5511987654321") {
				t.Errorf("a phone number got into a metric line: %s", buf.String())
			}
		})
	}
}

// The exact line of the example in the package documentation.
func TestEMFExactLine(t *testing.T) {
	var buf bytes.Buffer
	e := NewEMF(&buf, "Wabot")
	e.now = func() time.Time { return time.UnixMilli(1767225600000) }
	e.Count(context.Background(), MessagesIn, 1, Dims{ClientID: "demo-burger", StoreID: "centro"})
	want := `{"MessagesIn":1,"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"Wabot",` +
		`"Dimensions":[["clientId"],["clientId","storeId"],[]],"Metrics":[{"Name":"MessagesIn","Unit":"Count"}]}]},` +
		`"clientId":"demo-burger","storeId":"centro"}` + "\n"
	if buf.String() != want {
		t.Errorf("line\n%s\nwant\n%s", buf.String(), want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestEMFDropsWhatCannotBeAMetric(t *testing.T) {
	var buf bytes.Buffer
	e := NewEMF(&buf, "")
	ctx := context.Background()
	for _, name := range []string{"", "_aws", "clientId", "storeId", strings.Repeat("x", 256), "new\nline"} {
		e.Count(ctx, name, 1, Dims{ClientID: "demo-burger"})
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		e.Count(ctx, Errors, v, Dims{ClientID: "demo-burger"})
	}
	if buf.Len() != 0 || e.Dropped() != 9 {
		t.Errorf("wrote %q, dropped %d, want nothing written and 9 dropped", buf.String(), e.Dropped())
	}
	f := NewEMF(failingWriter{}, "")
	f.Count(ctx, Errors, 1, Dims{})
	if f.Dropped() != 1 {
		t.Errorf("a failed write is not counted as dropped")
	}
}

func TestNamespace(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == resourcenames.EnvVarMetricsNamespace {
				return v
			}
			return ""
		}
	}
	for v, want := range map[string]string{
		"": "Wabot", "Wabot/staging": "Wabot/staging", " Wabot-dev ": "Wabot-dev",
		"AWS/Lambda": "Wabot", "bad\"name": "Wabot", strings.Repeat("n", 256): "Wabot",
	} {
		if got := NamespaceFromEnv(env(v)); got != want {
			t.Errorf("NamespaceFromEnv(%q) = %q, want %q", v, got, want)
		}
	}
	if got := NewEMF(nil, "").Namespace(); got != resourcenames.MetricNamespace {
		t.Errorf("default namespace %q", got)
	}
	if got := NewEMF(nil, "Custom").Namespace(); got != "Custom" {
		t.Errorf("namespace %q", got)
	}
}

// Concurrent counts come out as whole lines, every one of them valid (run with -race).
func TestEMFConcurrent(t *testing.T) {
	var buf bytes.Buffer
	e := NewEMF(&buf, "")
	const goroutines, each = 16, 200
	from := time.Now()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := Dims{ClientID: "demo-burger"}
			if g%2 == 0 {
				d.StoreID = "centro"
			}
			for range each {
				e.Count(context.Background(), Orders, 1, d)
			}
		}()
	}
	wg.Wait()
	to := time.Now()
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		checkEMF(t, sc.Text()+"\n", from, to)
		n++
	}
	if n != goroutines*each || e.Dropped() != 0 {
		t.Errorf("%d lines, %d dropped, want %d lines", n, e.Dropped(), goroutines*each)
	}
}

func TestMemoryAndNop(t *testing.T) {
	var m Memory
	var r Recorder = &m
	ctx := context.Background()
	r.Count(ctx, Orders, 1, Dims{ClientID: "a", StoreID: "s"})
	r.Count(ctx, Orders, 2, Dims{ClientID: "a", StoreID: "s"})
	r.Count(ctx, Orders, 1, Dims{ClientID: "a"})
	if m.Sum(Orders, Dims{ClientID: "a", StoreID: "s"}) != 3 || m.Sum(Orders, Dims{ClientID: "a"}) != 1 || m.Total(Orders) != 4 || len(m.Points()) != 3 {
		t.Errorf("points %+v", m.Points())
	}
	Or(nil).Count(ctx, Orders, 1, Dims{})
	if Or(r) != r {
		t.Error("Or replaced a recorder")
	}
	if _, ok := Or(nil).(Nop); !ok {
		t.Error("Or(nil) is not Nop")
	}
}

func TestStoreInContext(t *testing.T) {
	ctx := context.Background()
	if StoreFrom(ctx) != "" || WithStore(ctx, "") != ctx {
		t.Error("empty store")
	}
	if got := StoreFrom(WithStore(ctx, "centro")); got != "centro" {
		t.Errorf("StoreFrom = %q", got)
	}
}
