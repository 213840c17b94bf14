package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// proc is a child process the driver started (and is the only one to stop, by its pid).
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error // set when done is closed
}

// startProc starts bin with args and env (added to a minimal environment), its output
// appended to logPath.
func startProc(name, logPath string, env []string, bin string, args ...string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(baseEnv(), env...)
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &proc{name: name, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// baseEnv is what a child inherits: the path, home and temporary directories, the Go and
// Python settings a binary may need; never AWS credentials or the runner's own settings.
func baseEnv() []string {
	var out []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ"} {
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig to the process and waits for it to end, then kills it after timeout.
func (p *proc) stop(sig syscall.Signal, timeout time.Duration) error {
	if p == nil || p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("%s (pid %d) did not stop within %s after %s; killed", p.name, p.cmd.Process.Pid, timeout, sig)
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP waits until GET url answers want, while p runs.
func waitHTTP(ctx context.Context, p *proc, url string, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%s exited at start (%v); see its log %s", p.name, p.err, p.log.Name())
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer %d at %s within %s (last: %s); see %s", p.name, want, url, timeout, last, p.log.Name())
}

// stack is the local stack under test.
type stack struct {
	cfg          config
	emuPort      int
	twilioPort   int
	runnerPort   int
	stateFile    string
	emulator     *proc
	twilio       *proc
	runner       *proc
	emulatorRuns int
}

func (s *stack) endpoint() string        { return "http://127.0.0.1:" + strconv.Itoa(s.emuPort) }
func (s *stack) twilioURL() string       { return "http://127.0.0.1:" + strconv.Itoa(s.twilioPort) }
func (s *stack) runnerURL() string       { return "http://127.0.0.1:" + strconv.Itoa(s.runnerPort) }
func (s *stack) logPath(n string) string { return filepath.Join(s.cfg.Out, n+".log") }

// startStack starts the emulator, the local Twilio and the runner, and waits until each
// answers.
func startStack(ctx context.Context, cfg config, now time.Time) (*stack, error) {
	s := &stack{cfg: cfg}
	for _, p := range []*int{&s.emuPort, &s.twilioPort, &s.runnerPort} {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		*p = port
	}
	for _, n := range []string{"emulator", "twilio", "runner"} {
		_ = os.Remove(s.logPath(n))
	}
	if cfg.Faults[faultRestart] {
		s.stateFile = filepath.Join(cfg.Out, "emulator.state")
		_ = os.Remove(s.stateFile)
	}
	if err := s.startEmulator(ctx); err != nil {
		return s, err
	}
	var err error
	if s.twilio, err = startProc("local twilio", s.logPath("twilio"), nil, cfg.Twilio, "-port", strconv.Itoa(s.twilioPort)); err != nil {
		return s, err
	}
	if err := waitHTTP(ctx, s.twilio, s.twilioURL()+"/local/stats", 200, 30*time.Second); err != nil {
		return s, err
	}
	abs, err := filepath.Abs(cfg.Template)
	if err != nil {
		return s, err
	}
	env := []string{
		"WABOT_AWS_ENDPOINT=" + s.endpoint(), "WABOT_TEMPLATE=" + abs, "PORT=" + strconv.Itoa(s.runnerPort),
		"WABOT_NOW=" + now.Format(time.RFC3339), "WABOT_TWILIO_API_URL=" + s.twilioURL(),
		// The simulated customers pay PIX at once; the local payment provider then charges
		// them without asking for a CPF.
		"WABOT_ASAAS_REQUIRE_CPF=false",
	}
	if s.runner, err = startProc("runner", s.logPath("runner"), env, cfg.Runner); err != nil {
		return s, err
	}
	if err := waitHTTP(ctx, s.runner, s.runnerURL()+"/healthz", 200, 90*time.Second); err != nil {
		return s, err
	}
	return s, nil
}

// startEmulator starts the emulator on its port (with the state file, when the restart
// fault needs one) and waits until it answers.
func (s *stack) startEmulator(ctx context.Context) error {
	args := []string{s.cfg.Emulator, "-H", "127.0.0.1", "-p", strconv.Itoa(s.emuPort)}
	if s.stateFile != "" {
		args = append(args, "--state", s.stateFile)
	}
	s.emulatorRuns++
	p, err := startProc("emulator", s.logPath("emulator"), nil, s.cfg.Python, args...)
	if err != nil {
		return err
	}
	s.emulator = p
	return waitHTTP(ctx, p, s.endpoint()+"/moto-api/", 200, 60*time.Second)
}

// restartEmulator stops the emulator with SIGTERM (it saves its data), keeps it down for
// down, and starts it again on the same port with its data. It returns how long the save
// and the start took.
func (s *stack) restartEmulator(ctx context.Context, down time.Duration) (stopTook, startTook time.Duration, err error) {
	t0 := time.Now()
	if err := s.emulator.stop(syscall.SIGTERM, 60*time.Second); err != nil {
		return 0, 0, err
	}
	if s.emulator.err != nil {
		return 0, 0, fmt.Errorf("the emulator did not save its state: %v (see %s)", s.emulator.err, s.logPath("emulator"))
	}
	stopTook = time.Since(t0)
	select {
	case <-ctx.Done():
		return stopTook, 0, ctx.Err()
	case <-time.After(down):
	}
	t1 := time.Now()
	if err := s.startEmulator(ctx); err != nil {
		return stopTook, 0, err
	}
	return stopTook, time.Since(t1), nil
}

// stop stops the runner, the local Twilio and the emulator, in that order.
func (s *stack) stop() []error {
	var errs []error
	for _, p := range []*proc{s.runner, s.twilio, s.emulator} {
		if p == nil {
			continue
		}
		if err := p.stop(syscall.SIGTERM, 40*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
