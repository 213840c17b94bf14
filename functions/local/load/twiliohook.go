package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// policy is Twilio's retry behaviour for one webhook URL, from its connection overrides
// (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides): the URL
// fragment #ct=..&rt=..&tt=..&rc=..&rp=... Twilio's defaults: connect timeout 5000 ms, read
// timeout 15000 ms, total time 15000 ms, one retry, and only when the connection failed
// (rp=ct). rp takes 4xx, 5xx, ct, rt and all.
type policy struct {
	ConnectTimeout time.Duration // ct
	ReadTimeout    time.Duration // rt
	TotalTime      time.Duration // tt: every attempt and the waits between them
	RetryCount     int           // rc: retries after the first attempt
	RetryOn        map[string]bool
}

// parsePolicy reads a fragment ("#rc=3&rp=5xx,ct" or without the #), with Twilio's bounds.
func parsePolicy(fragment string) (policy, error) {
	p := policy{ConnectTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, TotalTime: 15 * time.Second,
		RetryCount: 1, RetryOn: map[string]bool{"ct": true}}
	fragment = strings.TrimPrefix(fragment, "#")
	if fragment == "" {
		return p, nil
	}
	vals, err := url.ParseQuery(fragment)
	if err != nil {
		return p, fmt.Errorf("fragment %q: %w", fragment, err)
	}
	ms := func(k string, lo, hi int) (time.Duration, bool, error) {
		v := vals.Get(k)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return 0, false, fmt.Errorf("fragment: %s=%q must be %d to %d", k, v, lo, hi)
		}
		return time.Duration(n) * time.Millisecond, true, nil
	}
	for _, f := range []struct {
		k      string
		lo, hi int
		dst    *time.Duration
	}{{"ct", 100, 10000, &p.ConnectTimeout}, {"rt", 100, 15000, &p.ReadTimeout}, {"tt", 100, 15000, &p.TotalTime}} {
		d, ok, err := ms(f.k, f.lo, f.hi)
		if err != nil {
			return p, err
		}
		if ok {
			*f.dst = d
		}
	}
	if v := vals.Get("rc"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 5 {
			return p, fmt.Errorf("fragment: rc=%q must be 0 to 5", v)
		}
		p.RetryCount = n
	}
	if v := vals.Get("rp"); v != "" {
		p.RetryOn = map[string]bool{}
		for _, k := range strings.Split(v, ",") {
			switch k {
			case "4xx", "5xx", "ct", "rt":
				p.RetryOn[k] = true
			case "all":
				for _, k := range []string{"4xx", "5xx", "ct", "rt"} {
					p.RetryOn[k] = true
				}
			default:
				return p, fmt.Errorf("fragment: rp has %q; Twilio takes 4xx, 5xx, ct, rt, all (error 11243)", k)
			}
		}
	}
	return p, nil
}

// twilioHook delivers webhooks as Twilio does: form-encoded, signed over the configured URL
// without its fragment, retried per the fragment's policy.
type twilioHook struct {
	url    string // where requests go, and what is signed: PUBLIC_BASE_URL + path
	policy policy
	client *http.Client
	// backoff is the wait before retry n (1-based). Twilio does not document its spacing;
	// 1 s, 2 s, 4 s ... within the total time is assumed.
	backoff func(n int) time.Duration
}

func newTwilioHook(webhookURL string, p policy) *twilioHook {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: p.ConnectTimeout}).DialContext,
		ResponseHeaderTimeout: p.ReadTimeout,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       30 * time.Second,
	}
	return &twilioHook{
		url: webhookURL, policy: p,
		client:  &http.Client{Transport: tr, Timeout: p.ReadTimeout + p.ConnectTimeout},
		backoff: func(n int) time.Duration { return time.Second << (n - 1) },
	}
}

// attempt is one delivery attempt.
type attempt struct {
	Status int    // 0 when there was no HTTP answer
	Class  string // "", "4xx", "5xx", "ct" (no connection), "rt" (no answer in time)
	At     time.Time
}

// delivery is the outcome of delivering one message: accepted (a 2xx) or given up.
type delivery struct {
	Accepted   bool
	AcceptedAt time.Time
	Attempts   []attempt
}

// deliver posts params signed with token, retrying per the policy, until accepted, given up
// or ctx ends.
func (h *twilioHook) deliver(ctx context.Context, token string, params map[string]string) delivery {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	body := form.Encode()
	sig := twiliotest.Sign(token, h.url, params)
	start := time.Now()
	var d delivery
	for n := 0; ; n++ {
		a := h.once(ctx, body, sig)
		d.Attempts = append(d.Attempts, a)
		if a.Class == "" {
			d.Accepted, d.AcceptedAt = true, a.At
			return d
		}
		if n >= h.policy.RetryCount || !h.policy.RetryOn[a.Class] || ctx.Err() != nil {
			return d
		}
		wait := h.backoff(n + 1)
		if time.Since(start)+wait >= h.policy.TotalTime {
			return d // Twilio gives up: the total time is spent
		}
		sleepCtx(ctx, wait)
	}
}

func (h *twilioHook) once(ctx context.Context, body, sig string) attempt {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, strings.NewReader(body))
	if err != nil {
		return attempt{Class: "ct", At: time.Now()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", sig)
	resp, err := h.client.Do(req)
	if err != nil {
		return attempt{Class: classify(err), At: time.Now()}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	a := attempt{Status: resp.StatusCode, At: time.Now()}
	switch {
	case resp.StatusCode >= 500:
		a.Class = "5xx"
	case resp.StatusCode >= 400:
		a.Class = "4xx"
	case resp.StatusCode >= 300:
		a.Class = "4xx" // Twilio does not follow a redirect from a webhook; counted as a failure
	}
	return a
}

// classify tells a failure to connect (ct) from one after connecting (rt).
func classify(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "ct"
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "ct"
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "rt"
	}
	return "rt"
}

// newSID returns a Twilio message SID: SM and 32 lower-case hex digits.
func newSID() string { return "SM" + randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// inboundParams is what Twilio posts for an incoming WhatsApp text message.
func inboundParams(sid, accountSID, from, to, body, profile string) map[string]string {
	return map[string]string{
		"SmsMessageSid": sid, "MessageSid": sid, "SmsSid": sid, "AccountSid": accountSID,
		"From": from, "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1", "ProfileName": profile,
		"WaId": strings.TrimPrefix(from, "whatsapp:+"), "SmsStatus": "received", "MessageType": "text", "ApiVersion": "2010-04-01",
	}
}
