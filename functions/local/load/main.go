// Command load is the load test of the message path (`make load`): it starts a fresh local
// stack of its own — the AWS emulator, a local Twilio (functions/local/twilio) and the local
// runner sending its replies through twilio-go to that Twilio — then plays many WhatsApp
// customers of both demo brands at once, each going through whole orders (greeting, menu,
// items, sometimes several messages at once, checkout, delivery or pickup, PIX or card,
// confirmation, the PIX payment), as signed Twilio webhook deliveries retried the way Twilio
// retries them (the URL fragment's connection overrides). Faults can be injected while it
// runs: the emulator stopped and started again with its data, the Twilio API answering 500
// then 429, poison messages on the inbound queue.
//
// When the time is up it lets the stack drain, then checks from the stored records (the
// conversations in DynamoDB, the messages the local Twilio received, the stores' POS queues,
// the inbound queue and its dead-letter queue) that no accepted message was lost, duplicated
// or reordered, that every one was answered exactly once, that every confirmed order reached
// its store exactly once, and that nothing is left in flight; it prints throughput and the
// latency from the webhook's acceptance to the reply reaching Twilio. Exit status 1 when a
// check fails, 2 when the stack could not run. See docs/load.md.
//
// Everything listens on 127.0.0.1 on free ports; the run is bounded in time (-duration, at
// most 60m, plus -drain) and in messages (-max-messages).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// config is the driver's configuration (flags).
type config struct {
	Duration    time.Duration
	Customers   int
	Faults      map[string]bool
	Drain       time.Duration
	Seed        uint64
	Fragment    string // the webhook URL's connection overrides (#rc=..&rp=..)
	ThinkMin    time.Duration
	ThinkMax    time.Duration
	DupRate     float64 // share of accepted deliveries Twilio delivers a second time
	ReplyWait   time.Duration
	MaxMessages int

	RestartAt   float64 // fraction of Duration
	RestartDown time.Duration
	TwilioAt    float64
	Twilio500   time.Duration
	Twilio429   time.Duration
	PoisonAt    float64
	Poison      int

	Out      string // directory for logs and the report
	Runner   string // the local runner's binary
	Twilio   string // the local Twilio's binary
	Python   string
	Emulator string // tools/emulator.py
	Template string
	Env      string
}

// The faults -faults accepts.
const (
	faultRestart = "restart"
	faultTwilio  = "twilio"
	faultPoison  = "poison"
)

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.DurationVar(&c.Duration, "duration", 2*time.Minute, "how long customers keep starting messages (at most 60m)")
	fs.IntVar(&c.Customers, "customers", 20, "customers writing at once, split between the two demo brands (1 to 500)")
	faults := fs.String("faults", "", "comma-separated faults to inject: restart (emulator stopped and started again), twilio (Twilio's API answers 500, then 429), poison (undecodable messages on the inbound queue)")
	fs.DurationVar(&c.Drain, "drain", 8*time.Minute, "after -duration, how long to wait at most for replies and queues to drain")
	fs.Uint64Var(&c.Seed, "seed", 0, "random seed (0: from the clock; printed in the report)")
	fs.StringVar(&c.Fragment, "fragment", resourcenames.WebhookRetryFragment, "the webhook URL's Twilio connection overrides, as configured in the Twilio console")
	fs.DurationVar(&c.ThinkMin, "think-min", 500*time.Millisecond, "shortest pause of a customer between two steps")
	fs.DurationVar(&c.ThinkMax, "think-max", 3*time.Second, "longest pause of a customer between two steps")
	fs.Float64Var(&c.DupRate, "dup", 0.02, "share of accepted webhook deliveries Twilio delivers a second time (same MessageSid)")
	fs.DurationVar(&c.ReplyWait, "reply-wait", 7*time.Minute, "how long a customer waits for an answer before going on (the worker backs a failed message off for up to 5 min)")
	fs.IntVar(&c.MaxMessages, "max-messages", 100000, "stop sending after this many customer messages")
	fs.Float64Var(&c.RestartAt, "restart-at", 0.35, "restart fault: when, as a fraction of -duration")
	fs.DurationVar(&c.RestartDown, "restart-down", 12*time.Second, "restart fault: how long the emulator stays down")
	fs.Float64Var(&c.TwilioAt, "twilio-at", 0.6, "twilio fault: when, as a fraction of -duration")
	fs.DurationVar(&c.Twilio500, "twilio-500", 15*time.Second, "twilio fault: how long the API answers 500 (error 20500)")
	fs.DurationVar(&c.Twilio429, "twilio-429", 15*time.Second, "twilio fault: how long it then answers 429 (error 20429)")
	fs.Float64Var(&c.PoisonAt, "poison-at", 0.2, "poison fault: when, as a fraction of -duration")
	fs.IntVar(&c.Poison, "poison", 3, "poison fault: how many poison messages")
	fs.StringVar(&c.Out, "out", ".build/load", "directory for the processes' logs and report.json")
	fs.StringVar(&c.Runner, "runner", ".build/local", "the local runner's binary (go build -o .build/local ./functions/local)")
	fs.StringVar(&c.Twilio, "twilio", ".build/twilio-local", "the local Twilio's binary (go build ./functions/local/twilio)")
	fs.StringVar(&c.Python, "python", ".venv/bin/python", "the emulator's Python")
	fs.StringVar(&c.Emulator, "emulator", "tools/emulator.py", "the emulator's launcher")
	fs.StringVar(&c.Template, "template", "cdk.out/dev-local/Wabot-dev.template.json", "the synthesized dev template")
	fs.StringVar(&c.Env, "env", resourcenames.EnvDev, "the environment whose resource names the local stack uses")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	c.Faults = map[string]bool{}
	for _, f := range strings.Split(*faults, ",") {
		switch f = strings.TrimSpace(f); f {
		case "":
		case faultRestart, faultTwilio, faultPoison:
			c.Faults[f] = true
		default:
			return c, fmt.Errorf("unknown fault %q (restart, twilio, poison)", f)
		}
	}
	switch {
	case c.Duration <= 0 || c.Duration > time.Hour:
		return c, errors.New("-duration must be between 0 and 60m")
	case c.Customers < 1 || c.Customers > 500:
		return c, errors.New("-customers must be between 1 and 500")
	case c.Drain < 10*time.Second || c.Drain > 30*time.Minute:
		return c, errors.New("-drain must be between 10s and 30m")
	case c.ThinkMin < 0 || c.ThinkMax < c.ThinkMin:
		return c, errors.New("-think-min must be at least 0 and at most -think-max")
	case c.DupRate < 0 || c.DupRate > 1:
		return c, errors.New("-dup must be between 0 and 1")
	case c.MaxMessages < 1:
		return c, errors.New("-max-messages must be positive")
	case c.Poison < 0 || c.Poison > 100:
		return c, errors.New("-poison must be between 0 and 100")
	}
	for _, at := range []float64{c.RestartAt, c.TwilioAt, c.PoisonAt} {
		if at < 0 || at >= 1 {
			return c, errors.New("-restart-at, -twilio-at and -poison-at are fractions of -duration, in [0, 1)")
		}
	}
	if _, err := parsePolicy(c.Fragment); err != nil {
		return c, err
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	rep, err := run(ctx, cfg)
	if rep != nil {
		text := rep.Text()
		fmt.Print(text)
		_ = os.WriteFile(filepath.Join(cfg.Out, "summary.txt"), []byte(text), 0o644)
		if werr := rep.WriteJSON(filepath.Join(cfg.Out, "report.json")); werr != nil {
			fmt.Fprintln(os.Stderr, "load: write report:", werr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if !rep.Passed() {
		os.Exit(1)
	}
}

// newRand returns the run's random source for one purpose (customers draw their own).
func newRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}
