package conversation_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
)

// The test chat with a model: the scripted Converse server behind the real Bedrock adapter,
// the daily counters and the daily budget over the emulator's tables, as the admin function
// wires them.

// deliveryAnswer is the scripted model's answer to a delivery question (no amount: the
// engine's reply check passes it).
const deliveryAnswer = "Yes, we deliver there! Want to see the menu?"

func deliveryScript() *localmodel.Script {
	return localmodel.NewScript().
		OnUser("pinheiros", localmodel.Call("store_info", map[string]any{"topic": "delivery_area"})).
		OnTool("store_info", localmodel.Say(deliveryAnswer))
}

// sandboxWithModel is a sandbox over m's repositories with its model, counting into rec and
// daily, its budget read from the daily counters (every time: no TTL) plus what daily holds.
func sandboxWithModel(t *testing.T, m *modelEnv) (*conversation.Sandbox, *metrics.Memory, *metrics.Daily, *metrics.ModelSpend) {
	t.Helper()
	d := m.deps()
	rec := &metrics.Memory{}
	daily := metrics.NewDaily(m.repos, metrics.WithDailyClock(m.clock.Now))
	spend := metrics.NewModelSpend(m.repos, metrics.WithSpendClock(m.clock.Now), metrics.WithSpendTTL(0), metrics.WithUnflushed(daily))
	d.Model, d.Metrics, d.ModelSpend, d.ModelTurnBudget = m.model, metrics.Tee(rec, daily), spend, 3*time.Second
	sb, err := conversation.NewSandbox(d)
	if err != nil {
		t.Fatal(err)
	}
	return sb, rec, daily, spend
}

// A free-text question in the test chat goes to the model, as on WhatsApp, and the result
// says what it cost; a structured message is the rules' and reports no model. The tokens
// count in the brand's daily counters and budget; the chat's traffic does not.
func TestSandboxUsesTheModel(t *testing.T) {
	t.Parallel()
	m := newModelEnv(t, deliveryScript())
	m.clock.Set(friday(20, 0))
	// A budget of one token: the first question may spend it, the next finds it spent.
	if _, err := m.repos.UpdateClient(platform, demo.BurgerID, func(c *domain.Client) error {
		c.AIDailyTokenBudget = 1
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sb, rec, daily, spend := sandboxWithModel(t, m)
	send := func(storeID, text string) conversation.SandboxResult {
		t.Helper()
		r, err := sb.Send(platform, demo.BurgerID, storeID, "user-ana", text)
		if err != nil {
			t.Fatalf("Send(%q): %v", text, err)
		}
		if len(r.Replies) == 0 {
			t.Fatalf("Send(%q): no reply", text)
		}
		return r
	}

	if r := send("vila-madalena", "hi"); r.Model != nil || m.calls() != 0 {
		t.Errorf("a greeting: model %+v after %d calls, want none", r.Model, m.calls())
	}

	r := send("", "do you deliver to pinheiros?")
	if r.Replies[0] != deliveryAnswer {
		t.Errorf("replies %q, want the model's answer", r.Replies)
	}
	mo := r.Model
	if mo == nil || mo.Calls != 2 || mo.Calls != m.calls() || !slices.Equal(mo.Tools, []string{"store_info"}) || mo.Fallback || mo.FallbackReason != "" || mo.Cached {
		t.Fatalf("the question's model: %+v (server got %d calls), want 2 calls, store_info, no fallback", mo, m.calls())
	}
	if mo.InputTokens <= 0 || mo.OutputTokens <= 0 {
		t.Errorf("tokens %+v", mo)
	}
	// The result's tokens are the ones counted, call by call.
	for name, want := range map[string]int64{metrics.ModelCalls: int64(mo.Calls), metrics.ModelInputTokens: mo.InputTokens,
		metrics.ModelOutputTokens: mo.OutputTokens, metrics.ModelCacheReadTokens: mo.CacheReadTokens, metrics.ModelCacheWriteTokens: mo.CacheWriteTokens} {
		if got := rec.Sum(name, metrics.Dims{ClientID: demo.BurgerID, StoreID: "vila-madalena"}); got != float64(want) {
			t.Errorf("%s counted %v, the result says %d", name, got, want)
		}
	}
	spent := mo.InputTokens + mo.OutputTokens + mo.CacheWriteTokens

	// The same question again: the answer cache's, no call.
	r = send("", "do you deliver to pinheiros?")
	if r.Replies[0] != deliveryAnswer || r.Model == nil || !r.Model.Cached || r.Model.Calls != 0 || r.Model.Tools == nil || len(r.Model.Tools) != 0 || m.calls() != 2 {
		t.Errorf("the cached answer: %q, model %+v, %d server calls", r.Replies, r.Model, m.calls())
	}
	// A structured message is the rules'.
	if r = send("", "2 cheese burger"); r.Model != nil || m.calls() != 2 {
		t.Errorf("2 cheese burger: model %+v, %d server calls, want none", r.Model, m.calls())
	}
	if c := m.conv(demo.BurgerID, domain.SandboxNumber("user-ana")); len(c.Cart) != 1 || c.Cart[0].Quantity != 2 {
		t.Errorf("cart %+v", c.Cart)
	}

	// Only the model's usage was counted: no message, conversation, fallback or cache hit.
	for _, p := range rec.Points() {
		if !slices.Contains(metrics.ModelUsage(), p.Name) {
			t.Errorf("the sandbox counted %s %v", p.Name, p.Value)
		}
	}
	// The budget sees the tokens before the counters are written (this process's) and after.
	if used, err := spend.TokensToday(platform, demo.BurgerID); err != nil || used != spent {
		t.Errorf("tokens today before the flush: %d %v, want %d", used, err, spent)
	}
	if err := daily.Flush(platform); err != nil {
		t.Fatal(err)
	}
	day := domain.MetricsDay(m.clock.Now())
	days, err := m.repos.ListDailyMetrics(platform, demo.BurgerID, day, day, "")
	if err != nil {
		t.Fatal(err)
	}
	var total domain.Counts
	for _, d := range days {
		total = total.Plus(d.Counts)
	}
	want := domain.Counts{ModelCalls: 2, ModelInputTokens: mo.InputTokens, ModelOutputTokens: mo.OutputTokens,
		ModelCacheReadTokens: mo.CacheReadTokens, ModelCacheWriteTokens: mo.CacheWriteTokens}
	if total != want {
		t.Errorf("the brand's daily counters %+v, want the model's usage only %+v", total, want)
	}
	if used, err := spend.TokensToday(platform, demo.BurgerID); err != nil || used != spent {
		t.Errorf("tokens today after the flush: %d %v, want %d", used, err, spent)
	}

	// The budget is spent: the rules answer, no call, and the result says why.
	r = send("", "and do you deliver to pinheiros at night?")
	if r.Model == nil || r.Model.Calls != 0 || !r.Model.Fallback || r.Model.FallbackReason != "budget" || m.calls() != 2 {
		t.Errorf("past the budget: model %+v, %d server calls", r.Model, m.calls())
	}
	if r.Replies[0] == deliveryAnswer {
		t.Errorf("past the budget the model's answer came: %q", r.Replies)
	}
}

// Operators' test chats run at the same time: each result reports its own turn's calls and
// tokens, never another's.
func TestSandboxModelReportsPerTurn(t *testing.T) {
	t.Parallel()
	m := newModelEnv(t, deliveryScript())
	sb, rec, _, _ := sandboxWithModel(t, m)
	const n = 6
	results := make([]conversation.SandboxResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := fmt.Sprintf("user-%d", i)
			if _, errs[i] = sb.Send(platform, demo.BurgerID, "vila-madalena", op, "hi"); errs[i] != nil {
				return
			}
			// Different words each: no answer comes from the cache.
			results[i], errs[i] = sb.Send(platform, demo.BurgerID, "", op, fmt.Sprintf("do you deliver to pinheiros, street %d?", i+1))
		}()
	}
	wg.Wait()
	var calls, input int64
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("operator %d: %v", i, errs[i])
		}
		if r.Model == nil || r.Model.Calls != 2 || !slices.Equal(r.Model.Tools, []string{"store_info"}) || r.Model.InputTokens <= 0 {
			t.Errorf("operator %d: %q, model %+v", i, r.Replies, r.Model)
			continue
		}
		calls += int64(r.Model.Calls)
		input += r.Model.InputTokens
	}
	if calls != int64(m.calls()) || float64(input) != rec.Total(metrics.ModelInputTokens) {
		t.Errorf("the results add up to %d calls and %d input tokens; the server got %d calls, the counters %v tokens",
			calls, input, m.calls(), rec.Total(metrics.ModelInputTokens))
	}
	if strings.Contains(m.logs.String(), "model call failed") {
		t.Error("a model call failed")
	}
}

// A question as the very first message of a test chat (the conversation is created in the
// same turn) reports the calls it made, not a cached answer, whatever the turn's retries
// found in the answer cache.
func TestSandboxFirstMessageQuestionIsNotCached(t *testing.T) {
	t.Parallel()
	m := newModelEnv(t, deliveryScript())
	m.clock.Set(friday(20, 0))
	sb, _, _, _ := sandboxWithModel(t, m)
	r, err := sb.Send(domain.NewPlatformContext(t.Context()), demo.BurgerID, "vila-madalena", "user-first", "do you guys deliver to pinheiros?")
	if err != nil {
		t.Fatal(err)
	}
	if r.Model == nil || r.Model.Calls == 0 || r.Model.Calls != m.calls() || r.Model.Cached {
		t.Errorf("first message's model: %+v after %d server calls, want the calls made and not cached", r.Model, m.calls())
	}
}
