// Package standin is the local model stand-in's brain: what answers the engine's model calls
// on the local stack when no Bedrock model is configured (make dev, the load test, the
// bench). It is not a language model and does not pretend to be one: it reads the customer's
// message with fixed word lists and answers through the same tools a model calls (store_info,
// search_menu, add_item, ask_human), then repeats the engine's own words from the tools'
// results. So the local stack exercises the whole model path (the prompt, the Converse wire
// format through the Bedrock adapter, tool calls validated by the engine, the reply check,
// usage and prompt-cache accounting) deterministically, and every amount it says is one the
// engine computed.
package standin

import (
	"encoding/json"
	"strings"

	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/understand"
)

// Brain answers Converse requests; the zero value is ready to use.
type Brain struct{}

// The words that pick a tool, matched against the normalized message (no accents, lower
// case), in this order.
var topics = []struct {
	words []string
	tool  string
	topic string
}{
	{[]string{"atendente", "humano", "pessoa", "gerente", "human", "person", "someone", "manager"}, "ask_human", ""},
	{[]string{"horario", "que horas", "abre", "fecha", "aberto", "aberta", "hours", "open", "close"}, "store_info", "hours"},
	{[]string{"entrega", "entregam", "deliver", "bairro", "taxa", "frete", "neighborhood"}, "store_info", "delivery_area"},
	{[]string{"pix", "cartao", "pagamento", "pagar", "vale", "dinheiro", "pay", "card", "cash"}, "store_info", "payment_methods"},
	{[]string{"endereco", "onde fica", "onde voces", "where are", "address", "location"}, "store_info", "address"},
}

// orderWords say the customer wants what they name, not only to know about it.
var orderWords = []string{"quero", "queria", "manda", "me ve", "vou querer", "pode ser", "pede", "traz", "want", "i'll have", "give me", "add", "i would like"}

// Answer implements localmodel.Brain.
func (Brain) Answer(_ string, req localmodel.Request) (localmodel.Response, error) {
	if len(req.Messages) == 0 {
		return localmodel.Response{}, &localmodel.Error{Status: 400, Type: "ValidationException", Message: "messages is empty"}
	}
	en := english(req)
	last := req.Messages[len(req.Messages)-1]
	if results := toolResults(req, last); len(results) > 0 {
		return afterTools(req, results, en), nil
	}
	said := understand.Normalize(lastText(last))
	for _, t := range topics {
		for _, w := range t.words {
			if strings.Contains(" "+said+" ", " "+w) {
				in := map[string]any{}
				if t.topic != "" {
					in["topic"] = t.topic
				}
				return call(t.tool, in), nil
			}
		}
	}
	return call("search_menu", map[string]any{"query": lastText(last)}), nil
}

// afterTools answers once the engine ran the tools: an order after a search adds the first
// item found; otherwise the engine's own message to the customer is the answer.
func afterTools(req localmodel.Request, results []namedResult, en bool) localmodel.Response {
	r := results[len(results)-1]
	if r.status == "error" {
		return say(pick(en, "Desculpe, não entendi bem. Pode escrever de outro jeito, ou digite *cardápio*?",
			"Sorry, I didn't quite get that. Could you say it another way, or type *menu*?"))
	}
	if r.name == "search_menu" {
		items := itemLines(r.text)
		said := understand.Normalize(customerText(req))
		if len(items) > 0 && wantsIt(said) {
			name, _, _ := strings.Cut(items[0], " — ")
			in := map[string]any{"item": name, "quantity": 1}
			for _, size := range []string{"grande", "media", "pequena", "large", "medium", "small"} {
				if strings.Contains(" "+said+" ", " "+size+" ") {
					in["size"] = size
				}
			}
			return call("add_item", in)
		}
		if len(items) == 0 {
			// Nothing named: a suggestion from the menu in the instructions ("what's good for
			// two people?"), its amounts the menu's.
			if menu := menuLines(req); len(menu) > 0 {
				return say(pick(en, "Algumas sugestões da casa:\n", "A few of our favourites:\n") + strings.Join(menu[:min(3, len(menu))], "\n") +
					pick(en, "\nQuer algum? Ou digite *cardápio* para ver tudo.", "\nWant any of these? Or type *menu* to see everything."))
			}
			return say(pick(en, "Não achei isso no nosso cardápio 😕 Digite *cardápio* para ver tudo o que temos.",
				"I couldn't find that on our menu 😕 Type *menu* to see everything we have."))
		}
		return say(pick(en, "Olha o que temos:\n", "Here's what we have:\n") + strings.Join(items, "\n") +
			pick(en, "\nÉ só me dizer o que vai querer!", "\nJust tell me what you'd like!"))
	}
	if msg := customerMessage(r.text); msg != "" {
		return say(msg)
	}
	return say(pick(en, "Pronto!", "Done!"))
}

func wantsIt(said string) bool {
	for _, w := range orderWords {
		if strings.Contains(" "+said+" ", " "+w+" ") {
			return true
		}
	}
	return false
}

// itemLines are the "- Item — prices" lines of a search_menu result or a menu, without the
// dash.
func itemLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "- ") && strings.Contains(l, " — ") && strings.Contains(l, "R$") {
			out = append(out, strings.TrimPrefix(l, "- "))
		}
	}
	return out
}

// menuLines are the "- Item — prices" lines of the menu in the instructions.
func menuLines(req localmodel.Request) []string {
	var out []string
	for _, b := range req.System {
		out = append(out, itemLines(b.Text)...)
	}
	return out
}

// customerMessage is the engine's message to the customer in a tool result (between its
// marker line and the closing state line).
func customerMessage(text string) string {
	const marker = "The system's message to the customer (its amounts are the right ones):\n"
	_, msg, ok := strings.Cut(text, marker)
	if !ok {
		return ""
	}
	if i := strings.LastIndex(msg, "\nState: "); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

type namedResult struct{ name, text, status string }

// toolResults are the results in m, the last message of req, with the names of the tools
// they answer (from the assistant message before it).
func toolResults(req localmodel.Request, m localmodel.Message) []namedResult {
	var out []namedResult
	for _, c := range m.Content {
		if c.ToolResult == nil {
			continue
		}
		var text []string
		for _, rc := range c.ToolResult.Content {
			text = append(text, rc.Text)
		}
		out = append(out, namedResult{name: req.ToolName(c.ToolResult.ToolUseID), text: strings.Join(text, "\n"), status: c.ToolResult.Status})
	}
	return out
}

func lastText(m localmodel.Message) string {
	for i := len(m.Content) - 1; i >= 0; i-- {
		if m.Content[i].Text != "" {
			return m.Content[i].Text
		}
	}
	return ""
}

// customerText is the customer's latest text in the request.
func customerText(req localmodel.Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if m := req.Messages[i]; m.Role == "user" {
			if t := lastText(m); t != "" {
				return t
			}
		}
	}
	return ""
}

func english(req localmodel.Request) bool {
	for _, s := range req.System {
		if strings.Contains(s.Text, "(en-US)") {
			return true
		}
	}
	return false
}

func pick(en bool, pt, eng string) string {
	if en {
		return eng
	}
	return pt
}

// call and say build the answers; the server gives a call its id.
func call(name string, input map[string]any) localmodel.Response {
	raw, _ := json.Marshal(input)
	return localmodel.Response{
		Output: localmodel.Output{Message: &localmodel.Message{Role: "assistant", Content: []localmodel.ContentBlock{
			{ToolUse: &localmodel.ToolUse{Name: name, Input: raw}},
		}}},
		StopReason: localmodel.StopToolUse,
	}
}

func say(text string) localmodel.Response {
	return localmodel.Response{
		Output:     localmodel.Output{Message: &localmodel.Message{Role: "assistant", Content: []localmodel.ContentBlock{{Text: text}}}},
		StopReason: localmodel.StopEndTurn,
	}
}
