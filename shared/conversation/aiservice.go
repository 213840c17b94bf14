package conversation

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// ModelSpend says how many model tokens a brand used today (metrics.ModelSpend over the
// daily counters): the engine stops asking the brand's model past its daily budget
// (domain.Client.TokenBudget) and the rules answer alone until the next day.
type ModelSpend interface {
	TokensToday(ctx context.Context, clientID string) (int64, error)
}

// DefaultModelTurnBudget is how long the model calls of one turn may take together: past
// it, the rules answer. The worker is asynchronous (Twilio's 15 seconds do not apply), but a
// customer waiting longer than this for a reply is worse served than by the rules.
const DefaultModelTurnBudget = 12 * time.Second

// errOverBudget: the brand spent its daily tokens.
var errOverBudget = errors.New("conversation: the brand's daily model token budget is spent")

// modelFor returns the model door of one turn of client's customer, or nil when the service
// has no model or the brand has no model id. Its calls share ctx's deadline and the turn's
// time budget; a request asked again (a step run again after a lost write) gets the first
// answer from the memo without a second call.
func (s *Service) modelFor(ctx context.Context, log *slog.Logger, client *domain.Client) (modelCall, context.CancelFunc) {
	if s.d.Model == nil {
		return nil, func() {}
	}
	modelID := client.InferenceProfileARN
	if s.d.ModelID != "" {
		modelID = s.d.ModelID
	}
	if modelID == "" {
		return nil, func() {}
	}
	budget := s.d.ModelTurnBudget
	if budget <= 0 {
		budget = DefaultModelTurnBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	type answer struct {
		resp domain.ModelResponse
		err  error
	}
	var mu sync.Mutex
	memo := map[[32]byte]answer{}
	checked, over := false, false
	return func(storeID string, req domain.ModelRequest) (domain.ModelResponse, error) {
		req.ModelID = modelID
		raw, err := json.Marshal(req)
		if err != nil {
			return domain.ModelResponse{}, err
		}
		key := sha256.Sum256(raw)
		mu.Lock()
		defer mu.Unlock()
		if a, ok := memo[key]; ok {
			return a.resp, a.err
		}
		dims := metrics.Dims{ClientID: client.ClientID, StoreID: storeID}
		if !checked && s.d.ModelSpend != nil {
			checked = true
			used, err := s.d.ModelSpend.TokensToday(ctx, client.ClientID)
			switch {
			case err != nil:
				// The counters cannot be read: the model answers (a budget is a ceiling on
				// cost, not a reason to serve customers worse during a DynamoDB hiccup).
				log.WarnContext(ctx, "model budget unknown", "error", err.Error())
			case used >= client.TokenBudget():
				over = true
				log.WarnContext(ctx, "model budget exceeded: the rules answer until tomorrow",
					"event", resourcenames.EventModelBudgetExceeded, "tokensToday", used, "budget", client.TokenBudget())
			}
		}
		if over {
			return domain.ModelResponse{}, errOverBudget
		}
		start := s.d.Now()
		resp, err := s.d.Model.Converse(ctx, req)
		attrs := []any{"storeId", storeID, "ms", s.d.Now().Sub(start).Milliseconds()}
		s.d.Metrics.Count(ctx, metrics.ModelCalls, 1, dims)
		if c := captureFrom(ctx); c != nil {
			c.modelCalled(resp, err) // a sandbox turn reports its calls (Sandbox.Send)
		}
		if err != nil {
			log.WarnContext(ctx, "model call failed: the rules answer", append(attrs, "error", err.Error())...)
		} else {
			u := resp.Usage
			s.d.Metrics.Count(ctx, metrics.ModelInputTokens, float64(u.InputTokens), dims)
			s.d.Metrics.Count(ctx, metrics.ModelOutputTokens, float64(u.OutputTokens), dims)
			s.d.Metrics.Count(ctx, metrics.ModelCacheReadTokens, float64(u.CacheReadTokens), dims)
			s.d.Metrics.Count(ctx, metrics.ModelCacheWriteTokens, float64(u.CacheWriteTokens), dims)
			log.InfoContext(ctx, "model call", append(attrs, "stop", string(resp.Stop), "tools", len(resp.Message.ToolUses()),
				"inputTokens", u.InputTokens, "outputTokens", u.OutputTokens, "cacheReadTokens", u.CacheReadTokens,
				"cacheWriteTokens", u.CacheWriteTokens)...)
		}
		memo[key] = answer{resp, err}
		return resp, err
	}, cancel
}

// countAI counts what the model's part of a finished turn did (and hands it to a sandbox
// turn's capture).
func (s *Service) countAI(ctx context.Context, log *slog.Logger, clientID string, o outcome) {
	if c := captureFrom(ctx); c != nil {
		c.setAI(o.ai)
	}
	dims := metrics.Dims{ClientID: clientID, StoreID: o.storeID}
	if o.ai.cacheHit {
		s.d.Metrics.Count(ctx, metrics.AnswerCacheHits, 1, dims)
	}
	if o.ai.fallback != "" {
		s.d.Metrics.Count(ctx, metrics.ModelFallbacks, 1, dims)
		log.InfoContext(ctx, "the rules answered for the model", "reason", o.ai.fallback)
	}
}
