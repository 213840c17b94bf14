package localmodel

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"
	"unicode/utf8"
)

// CacheTTL is how long a cached prefix lives after its last use, as Bedrock's default cache
// point ("type":"default"): five minutes, renewed by every read.
const CacheTTL = 5 * time.Minute

// Tokens is the server's token estimate of s: one token per four characters (runes),
// rounded up. Real tokenizers differ by model and language; the point is that every Brain,
// and every prompt the engine builds, is measured the same way, so that a change that makes
// the prompt longer, or breaks its caching, shows in the numbers.
func Tokens(s string) int {
	return (utf8.RuneCountInString(s) + 3) / 4
}

// segment is one block of the input, in the order the provider reads it (tools, system,
// messages): its canonical key (what the prefix hash covers) and its tokens. cachePoint
// marks that a cache point follows it.
type segment struct {
	key        string
	tokens     int
	cachePoint bool
}

// segments flattens req into the blocks a prefix is made of. A cache point marks the block
// before it; one with no block before it is ignored.
func segments(req Request) []segment {
	var out []segment
	mark := func() {
		if len(out) > 0 {
			out[len(out)-1].cachePoint = true
		}
	}
	if req.ToolConfig != nil {
		for _, t := range req.ToolConfig.Tools {
			switch {
			case t.ToolSpec != nil:
				schema := compact(t.ToolSpec.InputSchema.JSON)
				out = append(out, segment{
					key:    "tool\x00" + t.ToolSpec.Name + "\x00" + t.ToolSpec.Description + "\x00" + schema,
					tokens: Tokens(t.ToolSpec.Name) + Tokens(t.ToolSpec.Description) + Tokens(schema),
				})
			case t.CachePoint != nil:
				mark()
			}
		}
	}
	for _, b := range req.System {
		switch {
		case b.CachePoint != nil:
			mark()
		case b.Text != "":
			out = append(out, segment{key: "system\x00" + b.Text, tokens: Tokens(b.Text)})
		}
	}
	for _, m := range req.Messages {
		for _, c := range m.Content {
			switch {
			case c.CachePoint != nil:
				mark()
			case c.ToolUse != nil:
				in := compact(c.ToolUse.Input)
				out = append(out, segment{
					key:    m.Role + "\x00toolUse\x00" + c.ToolUse.ToolUseID + "\x00" + c.ToolUse.Name + "\x00" + in,
					tokens: Tokens(c.ToolUse.Name) + Tokens(in),
				})
			case c.ToolResult != nil:
				key := m.Role + "\x00toolResult\x00" + c.ToolResult.ToolUseID + "\x00" + c.ToolResult.Status
				tokens := 0
				for _, rc := range c.ToolResult.Content {
					js := compact(rc.JSON)
					key += "\x00" + rc.Text + "\x00" + js
					tokens += Tokens(rc.Text) + Tokens(js)
				}
				out = append(out, segment{key: key, tokens: tokens})
			default:
				out = append(out, segment{key: m.Role + "\x00text\x00" + c.Text, tokens: Tokens(c.Text)})
			}
		}
	}
	return out
}

// compact returns raw without insignificant white space (raw itself when it is not JSON),
// so that the same schema or input written differently counts and hashes the same.
func compact(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// prefixCache remembers the prefixes written to the simulated prompt cache: the hash of the
// model id and of the blocks up to a cache point, and when it was last written or read.
type prefixCache map[[sha256.Size]byte]time.Time

// inputUsage computes the input side of a call's usage and updates the cache, at now:
//
//   - with no cache point, every input token is InputTokens;
//   - otherwise each cache point ends a prefix; the longest prefix cached within CacheTTL is
//     read (CacheReadInputTokens, and its life is renewed), the tokens from there to the
//     last cache point are written (CacheWriteInputTokens, every prefix is remembered), and
//     the rest, after the last cache point, is InputTokens.
//
// This mirrors Bedrock's (and Anthropic's) accounting, where inputTokens excludes the cache
// reads and writes; unlike them, there is no minimum cacheable length.
func (c prefixCache) inputUsage(modelID string, req Request, now time.Time) Usage {
	for k, at := range c {
		if now.Sub(at) > CacheTTL {
			delete(c, k)
		}
	}
	h := sha256.New()
	writeKey := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	writeKey(modelID)

	type point struct {
		hash   [sha256.Size]byte
		tokens int // cumulative, up to and including the marked block
	}
	var points []point
	total := 0
	for _, s := range segments(req) {
		writeKey(s.key)
		total += s.tokens
		if s.cachePoint {
			var p point
			copy(p.hash[:], h.Sum(nil))
			p.tokens = total
			points = append(points, p)
		}
	}
	if len(points) == 0 {
		return Usage{InputTokens: total}
	}
	read := 0
	for i := len(points) - 1; i >= 0; i-- {
		if _, ok := c[points[i].hash]; ok {
			read = points[i].tokens
			break
		}
	}
	last := points[len(points)-1].tokens
	for _, p := range points {
		c[p.hash] = now
	}
	return Usage{
		InputTokens:           total - last,
		CacheReadInputTokens:  read,
		CacheWriteInputTokens: last - read,
	}
}

// outputTokens is the estimate of what the model wrote: its text, and each tool call's name
// and input.
func outputTokens(m *Message) int {
	if m == nil {
		return 0
	}
	n := 0
	for _, c := range m.Content {
		n += Tokens(c.Text)
		if c.ToolUse != nil {
			n += Tokens(c.ToolUse.Name) + Tokens(compact(c.ToolUse.Input))
		}
	}
	return n
}
