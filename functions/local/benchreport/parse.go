package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Bench is one benchmark's metrics, the median of its runs (go test -count), by unit:
// "ns/op", "B/op", "allocs/op" and the custom metrics of shared/wire's benchmarks.
type Bench struct {
	Name    string             `json:"name"` // without the GOMAXPROCS suffix
	Runs    int                `json:"runs"`
	N       int                `json:"iterations"` // of the last run
	Metrics map[string]float64 `json:"metrics"`
}

// Metric is a metric, 0 when absent.
func (b Bench) Metric(unit string) float64 { return b.Metrics[unit] }

var (
	benchLine   = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?(\s.*)?$`)
	resultStart = regexp.MustCompile(`^\s*\d+\s+[0-9.e+-]+ ns/op`)
)

// parseBench reads `go test -bench` output, as text or as `go test -json` events, and returns
// the benchmarks in the order they first appear. A result line may come apart from its name
// when the code under test logs while it runs: the name is then held until the numbers come.
func parseBench(r io.Reader) ([]Bench, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	text := string(raw)
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		if text, err = test2jsonOutput(raw); err != nil {
			return nil, err
		}
	}
	runs := map[string][]map[string]float64{}
	iters := map[string]int{}
	var order []string
	pending := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, rest := "", line
		if m := benchLine.FindStringSubmatch(line); m != nil {
			name, rest = m[1], m[3]
		}
		if name == "" {
			if pending == "" || !resultStart.MatchString(line) {
				continue
			}
			name, pending = pending, ""
		}
		if !resultStart.MatchString(rest) {
			pending = name // the numbers follow on a later line
			continue
		}
		pending = ""
		n, metrics, err := parseResult(rest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if _, seen := runs[name]; !seen {
			order = append(order, name)
		}
		runs[name] = append(runs[name], metrics)
		iters[name] = n
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := make([]Bench, 0, len(order))
	for _, name := range order {
		out = append(out, Bench{Name: name, Runs: len(runs[name]), N: iters[name], Metrics: medians(runs[name])})
	}
	return out, nil
}

// parseResult reads "N v unit v unit ...".
func parseResult(s string) (int, map[string]float64, error) {
	f := strings.Fields(s)
	if len(f) < 3 || len(f)%2 != 1 {
		return 0, nil, fmt.Errorf("malformed result %q", s)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, nil, fmt.Errorf("iterations %q: %w", f[0], err)
	}
	m := map[string]float64{}
	for i := 1; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return 0, nil, fmt.Errorf("value %q of %s: %w", f[i], f[i+1], err)
		}
		m[f[i+1]] = v
	}
	return n, m, nil
}

// medians is the median of each metric over runs (the mean of the middle two for an even
// count); a metric missing from a run is left out of that run.
func medians(runs []map[string]float64) map[string]float64 {
	by := map[string][]float64{}
	for _, r := range runs {
		for k, v := range r {
			by[k] = append(by[k], v)
		}
	}
	out := map[string]float64{}
	for k, vs := range by {
		out[k] = median(vs)
	}
	return out
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// test2jsonOutput joins the Output of `go test -json` events back into the text go test
// printed (test2json may split a line over several events).
func test2jsonOutput(raw []byte) (string, error) {
	var b strings.Builder
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		var ev struct {
			Action string
			Output string
		}
		err := dec.Decode(&ev)
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", fmt.Errorf("go test -json output: %w", err)
		}
		if ev.Action == "output" {
			b.WriteString(ev.Output)
		}
	}
}

// intConstants reads the integer constants named in names from a Go source file: the
// memory sizes of infra/stacks/runtime.go, so the cost model cannot drift from the stack.
// A name that is missing, or not an integer literal, is an error.
func intConstants(filename string, src any, names ...string) (map[string]int, error) {
	f, err := parser.ParseFile(token.NewFileSet(), filename, src, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if !slices.Contains(names, id.Name) || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.INT {
					return nil, fmt.Errorf("%s: %s is not an integer literal", filename, id.Name)
				}
				v, err := strconv.Atoi(lit.Value)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", filename, id.Name, err)
				}
				out[id.Name] = v
			}
		}
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("%s: no constant %s", filename, n)
		}
	}
	return out, nil
}
