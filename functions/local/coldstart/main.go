// Command coldstart measures the cold start of each Lambda function binary for real: from
// exec to the response of its first event. It plays Lambda's part on loopback: it serves the
// Lambda Runtime API (GET .../invocation/next hands out an event with Lambda's headers;
// POST .../invocation/{id}/response, .../invocation/{id}/error and .../init/error are
// recorded), starts the binary with AWS_LAMBDA_RUNTIME_API pointing at it and the
// environment the CDK app gives the function (tables, queues, WABOT_ENV), the AWS SDK
// pointed at the emulator through AWS_ENDPOINT_URL, and hands it one realistic event: an API
// Gateway HTTP API (payload 2.0) request carrying a signed Twilio delivery for the webhook,
// an SQS event with one inbound message (a new customer's first message) for the worker.
// A second event then measures a warm invocation of the same process.
//
// The worker replies through twilio-go, whose base URL (https://api.twilio.com) is fixed: the
// process gets HTTPS_PROXY pointing at a local proxy that answers CONNECT api.twilio.com:443
// with TLS under a certificate of a throwaway CA (SSL_CERT_FILE) and speaks the part of
// Twilio's Messages API the worker calls. Loopback addresses are never proxied, so the AWS
// calls still reach the emulator directly.
//
// It needs the emulator (WABOT_TEST_ENDPOINT) and the synthesized dev template
// (WABOT_DEV_TEMPLATE), as scripts/with-emulator.sh sets them; it creates the template's
// resources under their dev names and seeds the demo brands. `make bench` runs it:
//
//	go run ./functions/local/coldstart -webhook bin/webhook -worker bin/worker -runs 5 -out coldstart.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Region is where the emulated resources live.
const region = "us-east-1"

// Function names, as the report names them.
const (
	Webhook = "webhook"
	Worker  = "worker"
)

// Stats summarises runs in milliseconds.
type Stats struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// summarize is the min, median and max of xs (the median of an even count is the mean of
// the middle two); zero for none.
func summarize(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stats{Min: s[0], Median: m, Max: s[len(s)-1]}
}

// Run is one process: its cold first event and a warm second one.
type Run struct {
	// InitMs is exec to the first GET .../invocation/next: the process started and the
	// function built its clients (wire.FromEnvironment and the builder).
	InitMs float64 `json:"initMs"`
	// FirstEventMs is exec to the POST of the first event's response: what a customer waits
	// on a cold start, less Lambda's own sandbox start.
	FirstEventMs float64 `json:"firstEventMs"`
	// WarmMs is the second event, from its hand-out to its response.
	WarmMs float64 `json:"warmMs"`
	// MaxRSSKB is the process's peak resident memory.
	MaxRSSKB int64 `json:"maxRssKB"`
}

// Result is one function's runs.
type Result struct {
	Function    string `json:"function"`
	Binary      string `json:"binary"`
	BinaryBytes int64  `json:"binaryBytes"`
	// StartFailure, when set, is why the binary did not start with exactly the environment
	// the CDK app gives the function; Workaround says what it was given instead.
	StartFailure string `json:"startFailure,omitempty"`
	Workaround   string `json:"workaround,omitempty"`
	Runs         []Run  `json:"runs"`
	InitMs       Stats  `json:"initMs"`
	FirstEventMs Stats  `json:"firstEventMs"`
	WarmMs       Stats  `json:"warmMs"`
	MaxRSSKB     int64  `json:"maxRssKB"`
}

// Report is what -out holds.
type Report struct {
	Measured  time.Time `json:"measured"`
	GOOS      string    `json:"goos"`
	GOARCH    string    `json:"goarch"`
	Note      string    `json:"note"`
	Functions []Result  `json:"functions"`
}

func main() {
	webhookBin := flag.String("webhook", "", "the webhook's bootstrap binary (built for this machine)")
	workerBin := flag.String("worker", "", "the worker's bootstrap binary (built for this machine)")
	runs := flag.Int("runs", 5, "processes started per function")
	out := flag.String("out", "", "write the JSON report here (default: stdout)")
	timeout := flag.Duration("timeout", 30*time.Second, "how long one event may take")
	flag.Parse()
	if err := run(*webhookBin, *workerBin, *runs, *out, *timeout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(webhookBin, workerBin string, runs int, out string, timeout time.Duration, getenv func(string) string) error {
	if webhookBin == "" || workerBin == "" {
		return errors.New("-webhook and -worker are required")
	}
	if runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	endpoint, template := getenv("WABOT_TEST_ENDPOINT"), getenv("WABOT_DEV_TEMPLATE")
	if endpoint == "" || template == "" {
		return errors.New("WABOT_TEST_ENDPOINT and WABOT_DEV_TEMPLATE are not set: run through scripts/with-emulator.sh")
	}
	ctx := domain.NewPlatformContext(context.Background())
	env, err := prepare(ctx, endpoint, template)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "wabot-coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	tw, err := startFakeTwilio(tmp)
	if err != nil {
		return err
	}
	defer tw.Close()
	env.proxy, env.caFile, env.home = tw.ProxyURL(), tw.CAFile(), tmp

	rep := Report{Measured: time.Now().UTC(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		Note: "Process start to first handled event on this machine, against the AWS emulator on loopback: " +
			"Lambda's own sandbox start and code download are not included, and the binaries are built for this " +
			"machine with the flags of the arm64 Lambda build."}
	for _, fn := range []struct {
		name, bin string
		events    func(i int) ([2]event, error)
	}{
		{Webhook, webhookBin, func(int) ([2]event, error) { return [2]event{webhookEvent(), webhookEvent()}, nil }},
		{Worker, workerBin, func(int) ([2]event, error) { return [2]event{workerEvent(), workerEvent()}, nil }},
	} {
		bin, err := filepath.Abs(fn.bin)
		if err != nil {
			return err
		}
		st, err := os.Stat(bin)
		if err != nil {
			return err
		}
		res := Result{Function: fn.name, Binary: fn.bin, BinaryBytes: st.Size()}
		before := tw.Sent()
		allTables := false
		for i := 0; i < runs; i++ {
			evs, err := fn.events(i)
			if err != nil {
				return err
			}
			r, err := measure(ctx, bin, env.forFunction(fn.name, allTables), evs, timeout)
			var failed *initFailure
			if errors.As(err, &failed) && !allTables {
				// Report it, and measure what the function costs once it can start: with
				// every table's name, as a deployment that fixed the environment would have.
				res.StartFailure = failed.reason + ": " + lastLine(failed.output)
				res.Workaround = "given every table's name (" + resourcenames.EnvVarMenuTable + ", " + resourcenames.EnvVarOrdersTable +
					") beyond what the CDK app sets, to measure it at all"
				fmt.Fprintf(os.Stderr, "coldstart: %s does not start with the environment the CDK app gives it: %s\n", fn.name, res.StartFailure)
				allTables = true
				i--
				continue
			}
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", fn.name, i+1, err)
			}
			res.Runs = append(res.Runs, r)
		}
		if fn.name == Worker && tw.Sent()-before != 2*runs {
			return fmt.Errorf("worker: Twilio received %d messages for %d events, want one reply each", tw.Sent()-before, 2*runs)
		}
		var initMs, first, warm []float64
		for _, r := range res.Runs {
			initMs, first, warm = append(initMs, r.InitMs), append(first, r.FirstEventMs), append(warm, r.WarmMs)
			res.MaxRSSKB = max(res.MaxRSSKB, r.MaxRSSKB)
		}
		res.InitMs, res.FirstEventMs, res.WarmMs = summarize(initMs), summarize(first), summarize(warm)
		fmt.Fprintf(os.Stderr, "coldstart: %s: first event %.1f ms median (min %.1f, init %.1f), warm %.1f ms, peak RSS %d KB, %d runs\n",
			fn.name, res.FirstEventMs.Median, res.FirstEventMs.Min, res.InitMs.Median, res.WarmMs.Median, res.MaxRSSKB, runs)
		rep.Functions = append(rep.Functions, res)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(append(b, '\n'))
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

// functionEnv is what the processes are given.
type functionEnv struct {
	endpoint string
	tables   resourcenames.Tables
	inbound  string // the inbound queue's URL
	dlq      string // its dead-letter queue's URL
	proxy    string // HTTPS proxy to the fake Twilio
	caFile   string // the fake Twilio's CA
	home     string
}

// forFunction is the environment of one function: what the CDK app sets (infra/stacks,
// runtime.go), what Lambda sets, and the emulator's endpoint with static credentials.
// allTables adds every table's name, which the CDK app gives the worker only.
func (e functionEnv) forFunction(name string, allTables bool) []string {
	vars := map[string]string{
		resourcenames.EnvVarEnvironment:      resourcenames.EnvDev,
		resourcenames.EnvVarClientTable:      e.tables.ClientConfig,
		resourcenames.EnvVarStoreTable:       e.tables.StoreConfig,
		resourcenames.EnvVarMappingTable:     e.tables.PhoneMapping,
		resourcenames.EnvVarConversationTbl:  e.tables.ConversationState,
		resourcenames.EnvVarIdempotencyTable: e.tables.Idempotency,
		resourcenames.EnvVarTenantRoleARN:    emulator.TenantRoleARN(resourcenames.EnvDev),
		"AWS_ENDPOINT_URL":                   e.endpoint,
		"AWS_ACCESS_KEY_ID":                  "test",
		"AWS_SECRET_ACCESS_KEY":              "test",
		"AWS_SESSION_TOKEN":                  "test",
		"AWS_REGION":                         region,
		"AWS_DEFAULT_REGION":                 region,
		"AWS_EC2_METADATA_DISABLED":          "true",
		"AWS_LAMBDA_FUNCTION_NAME":           "Wabot-dev-" + name,
		"AWS_LAMBDA_FUNCTION_VERSION":        "$LATEST",
		"AWS_LAMBDA_LOG_FORMAT":              "Text",
		"_HANDLER":                           "bootstrap",
		"TZ":                                 ":UTC",
		"HOME":                               e.home,
		"HTTPS_PROXY":                        e.proxy,
		"SSL_CERT_FILE":                      e.caFile,
	}
	if allTables {
		vars[resourcenames.EnvVarMenuTable] = e.tables.Menu
		vars[resourcenames.EnvVarOrdersTable] = e.tables.Orders
	}
	switch name {
	case Webhook:
		vars[resourcenames.EnvVarInboundQueueURL] = e.inbound
	case Worker:
		vars[resourcenames.EnvVarMenuTable] = e.tables.Menu
		vars[resourcenames.EnvVarOrdersTable] = e.tables.Orders
		vars[resourcenames.EnvVarInboundDLQURL] = e.dlq
		vars[resourcenames.EnvVarInboundQueueURL] = e.inbound // for retry delays
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}

// prepare creates the dev template's tables, queues and secrets in the emulator and seeds
// the demo brands, as the local runner does.
func prepare(ctx context.Context, endpoint, template string) (functionEnv, error) {
	cfg, err := awsclients.Load(ctx, awsclients.Options{Endpoint: endpoint, Region: region})
	if err != nil {
		return functionEnv{}, err
	}
	tmpl, err := emulator.LoadTemplate(template)
	if err != nil {
		return functionEnv{}, err
	}
	res, err := emulator.Apply(ctx, cfg, tmpl, emulator.Options{})
	if err != nil {
		return functionEnv{}, fmt.Errorf("create the dev template's resources: %w", err)
	}
	tables := resourcenames.TablesFor(resourcenames.EnvDev)
	repos, err := dynamo.New(tables, dynamo.FromTenantClients(awsclients.NewStatic(cfg)))
	if err != nil {
		return functionEnv{}, err
	}
	q := sqs.NewFromConfig(cfg)
	if err := demo.Seed(ctx, resourcenames.EnvDev, demo.Targets{Clients: repos, Stores: repos, Menus: repos,
		Secrets: secretsmanager.NewFromConfig(cfg), Queues: q}); err != nil {
		return functionEnv{}, err
	}
	e := functionEnv{endpoint: endpoint, tables: tables,
		inbound: res.Queues[resourcenames.InboundQueue(resourcenames.EnvDev)],
		dlq:     res.Queues[resourcenames.InboundDLQ(resourcenames.EnvDev)]}
	if e.inbound == "" || e.dlq == "" {
		return e, fmt.Errorf("the template has no %s or %s", resourcenames.InboundQueue(resourcenames.EnvDev), resourcenames.InboundDLQ(resourcenames.EnvDev))
	}
	return e, nil
}

// initFailure is a process that ended, or reported an init error, before asking for its
// first event: Lambda would report the function's initialisation as failed.
type initFailure struct {
	reason string
	output string
}

func (e *initFailure) Error() string {
	return "the function did not start: " + e.reason + "; its output:\n" + e.output
}

// measure starts bin once, hands it two events and times them.
func measure(ctx context.Context, bin string, env []string, evs [2]event, timeout time.Duration) (Run, error) {
	api, err := startRuntimeAPI(evs[:])
	if err != nil {
		return Run{}, err
	}
	defer api.Close()
	var logs strings.Builder
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+api.Addr())
	// One writer for both: exec then calls it from one goroutine at a time.
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Run{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var waitErr error
	done := false
	// stop ends the process and returns its peak resident memory, read before it ends (the
	// rusage of a forked child starts from its parent's peak, so it would not do).
	stop := func() int64 {
		var peak int64
		if !done {
			peak = peakRSSKB(cmd.Process.Pid)
			_ = cmd.Process.Kill()
			waitErr, done = <-exited, true
		}
		return peak
	}
	var r Run
	for i := range evs {
		var o Outcome
		select {
		case o = <-api.outcomes:
		case waitErr = <-exited:
			done = true
			if api.FirstNext().IsZero() {
				return r, &initFailure{reason: fmt.Sprint("it exited: ", waitErr), output: logs.String()}
			}
			return r, fmt.Errorf("event %d: the process exited: %v; its output:\n%s", i+1, waitErr, logs.String())
		case <-time.After(timeout):
			stop()
			return r, fmt.Errorf("event %d: no response within %v; its output:\n%s", i+1, timeout, logs.String())
		}
		switch {
		case o.Kind == "init error":
			stop()
			return r, &initFailure{reason: "init error " + string(o.Body), output: logs.String()}
		case o.Kind != "response":
			stop()
			return r, fmt.Errorf("event %d: %s %s; its output:\n%s", i+1, o.Kind, o.Body, logs.String())
		}
		if err := evs[i].check(o.Body); err != nil {
			stop()
			return r, fmt.Errorf("event %d: %w; its output:\n%s", i+1, err, logs.String())
		}
		if i == 0 {
			r.InitMs = ms(api.FirstNext().Sub(start))
			r.FirstEventMs = ms(o.At.Sub(start))
		} else {
			r.WarmMs = ms(o.At.Sub(o.HandedOut))
		}
	}
	r.MaxRSSKB = stop()
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// peakRSSKB is a live process's peak resident set size (VmHWM), in KB; 0 if unknown.
func peakRSSKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
