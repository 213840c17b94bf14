package conversation

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/understand"
)

// The erasure of a customer's data asked in the chat (LGPD, Lei 13.709/2018, art. 18):
//
//  1. a message that asks for it ("apagar meus dados", "pode excluir meu cadastro?", "delete
//     my data") gets a confirmation question; the question is remembered in the
//     conversation's context (ctxEraseAsked), created for it when the customer had none;
//  2. a yes ("sim", "pode", "confirmo", "yes") within eraseConfirmWindow erases: the service
//     calls Deps.Eraser (mapping, conversation, idempotency records; orders are kept
//     pseudonymised) and replies that it is done. Nothing of that turn is written: the
//     conversation and the mapping are gone and stay gone;
//  3. a no keeps everything ("nothing was erased"); anything else drops the question and is
//     read as usual: the conversation is where it was (state, cart, what the bot asked).
//
// Without an eraser (Deps.Eraser nil), the customer is told it cannot be done in the chat.
// An opted-out customer gets no answer (silence until VOLTAR), nor does a customer whose
// conversation a person is handling (HANDOFF): the person sees the request and can erase
// through the admin API.
//
// A redelivery of the confirming message finds neither conversation nor mapping: the service
// recognises it by the erasure's idempotency record (erasureKey, which holds the message sid,
// not the customer) and sends the reply again, or nothing if it went; no data is created.

// ctxEraseAsked is when the bot asked the customer to confirm the erasure (RFC 3339).
const ctxEraseAsked = "eraseAsked"

// eraseConfirmWindow is how long the question waits for its answer: a "sim" an hour later is
// about something else.
const eraseConfirmWindow = 30 * time.Minute

// eraseAsked reports whether the customer was asked to confirm an erasure recently.
func (t turn) eraseAsked() bool {
	if t.conv == nil {
		return false
	}
	at, err := time.Parse(time.RFC3339, t.conv.Context[ctxEraseAsked])
	return err == nil && t.now.Sub(at) < eraseConfirmWindow
}

// silenced reports whether a person is handling the conversation (HANDOFF, not timed out).
func (t turn) silenced() bool {
	c := t.conv
	if c == nil || c.CurrentState != domain.StateHandoff {
		return false
	}
	at, _ := time.Parse(time.RFC3339, c.Context[ctxHandoffAt])
	return t.now.Sub(at) < HandoffTimeout
}

// askErase asks the customer to confirm the erasure of their data. Nothing else of the
// message is read, and no mapping is written for it.
func (t turn) askErase(o outcome) outcome {
	o.mapping = mappingChange{}
	if !t.canErase {
		o.kind = "erase-unavailable"
		o.replies = say(text(t.client, txtEraseUnavailable, t.client.ClientName))
		return t.keepLive(o)
	}
	o.kind = "erase-ask"
	c := t.conv
	if c == nil {
		c = t.newConversation()
	}
	if c.Context == nil {
		c.Context = map[string]string{}
	}
	c.Context[ctxEraseAsked] = t.now.UTC().Format(time.RFC3339)
	o.replies = say(text(t.client, txtEraseAsk, t.client.ClientName))
	o.conv = c
	return o
}

// erase: the customer confirmed. The service erases and sends the reply.
func (t turn) erase(o outcome) outcome {
	o.kind = "erased"
	o.mapping = mappingChange{}
	o.erase, o.eraseSid = true, t.msg.MessageSid
	o.replies = say(text(t.client, txtEraseDone, t.client.ClientName))
	o.conv = nil
	return o
}

// keepData: the customer said no; the conversation carries on where it was.
func (t turn) keepData(o outcome) outcome {
	o.kind = "erase-declined"
	o.mapping = mappingChange{}
	delete(t.conv.Context, ctxEraseAsked)
	o.replies = say(text(t.client, txtEraseKept))
	return t.keepLive(o)
}

// erasureKey is the idempotency key recording that the message sid erased its sender's data.
func erasureKey(sid string) string { return "erasure#" + sid }

// How people ask to erase their data: a verb of erasing near (within eraseWindow words) a
// word for their data, not negated. Words of five letters or more match with one typo
// ("apagr", "exlcuir", "dadso"), but for the real words in eraseLookAlikes ("pagar" is one
// letter from "apagar").
var (
	eraseVerbs = wordList(
		"apagar", "apaga", "apague", "apaguem", "apagam", "apagarem", "apagasse", "apagassem",
		"excluir", "exclui", "exclua", "excluam", "excluirem", "excluisse",
		"deletar", "deleta", "delete", "deletem", "deletarem", "deleten",
		"remover", "remova", "removam", "removerem", "eliminar", "elimina", "elimine", "eliminem",
		"limpar", "limpa", "limpem", "destruir", "esquecer", "esquecam",
		"erase", "remove", "wipe", "forget", "destroy", "erased", "deleted",
	)
	eraseObjects = wordList(
		"dados", "dado", "cadastro", "cadastros", "informacoes", "informacao", "infos", "info",
		"historico", "perfil", "registro", "registros", "lgpd",
		"data", "information", "details", "account", "profile", "record", "records", "history",
	)
	eraseLookAlikes = wordList("pagar", "pagam", "pague", "paguem", "pagaram", "lados", "todos", "dedos")
	negations       = wordList("nao", "nunca", "not", "never", "dont", "don", "nem")
)

// eraseWindow is how far apart the verb and its object may be: "quero que voces apaguem
// todos os meus dados" has four words between them.
const eraseWindow = 5

func wordList(words ...string) []string { return words }

// wantsErasure reports whether a message (normalized) asks to erase the customer's data.
func wantsErasure(said string) bool {
	words := strings.Fields(said)
	for i, w := range words {
		if !matchesWord(w, eraseVerbs) || negated(words, i) {
			continue
		}
		for j := max(0, i-eraseWindow); j < min(len(words), i+eraseWindow+1); j++ {
			if j == i {
				continue
			}
			if matchesWord(words[j], eraseObjects) {
				return true
			}
			// "tudo sobre mim", "everything about me"
			if j > 0 && ((words[j] == "mim" && words[j-1] == "sobre") || (words[j] == "me" && words[j-1] == "about")) {
				return true
			}
		}
	}
	return false
}

// negated: "nao apague meus dados", "don't delete my data", "nao quero que apaguem".
func negated(words []string, i int) bool {
	for j := max(0, i-3); j < i; j++ {
		if slices.Contains(negations, words[j]) {
			return true
		}
	}
	return false
}

// matchesWord reports whether w is one of list, or one typo away from a word of five letters
// or more of it.
func matchesWord(w string, list []string) bool {
	if slices.Contains(list, w) {
		return true
	}
	if len(w) < 5 || slices.Contains(eraseLookAlikes, w) {
		return false
	}
	for _, x := range list {
		if len(x) >= 5 && understand.WithinEdits(w, x, 1) {
			return true
		}
	}
	return false
}

// onlyPolite: a yes with nothing but thanks or a greeting ("pode fechar o pedido" is a yes
// to the order flow, and no answer to this question).
func onlyPolite(intents []understand.Intent) bool {
	for _, i := range intents {
		switch i {
		case understand.IntentYes, understand.IntentThanks, understand.IntentGreeting:
		default:
			return false
		}
	}
	return true
}

// An answer to the confirmation question.
type answer int

const (
	answerOther answer = iota
	answerYes
	answerNo
)

var (
	// eraseYes are a yes in any company of fillers ("sim tenho certeza", "yes do it").
	eraseYes = wordList("sim", "s", "simm", "siim", "confirmo", "confirmado", "confirma", "confirmar",
		"yes", "yep", "yeah", "yup", "confirm", "sure")
	// eraseFillers may come with a yes or a verb of erasing ("pode apagar", "ok, apaga tudo").
	eraseFillers = wordList("pode", "podem", "ok", "okay", "claro", "isso", "mesmo", "quero", "eu", "que",
		"voces", "vcs", "tenho", "certeza", "com", "tudo", "pf", "pfv", "por", "favor", "obrigado",
		"obrigada", "please", "pls", "i", "do", "want", "it", "all", "everything", "go", "ahead", "thanks")
	// eraseNo anywhere make the answer a no: erasing cannot be undone, so a doubt keeps.
	eraseNo = wordList("nao", "n", "no", "nope", "nah", "negativo", "cancela", "cancelar", "cancel",
		"desisto", "manter", "mantem", "mantenha", "keep", "dont", "don", "not", "never", "nunca", "pera", "espera", "wait")
)

// eraseAnswer reads the answer to "erase your data?": a no anywhere wins; a yes is a plain
// yes ("sim", "confirmo", "pode", "ok", 👍, read as the ordering flow reads one), the request
// said again ("sim, apaga meus dados"), or a yes or a verb of erasing with nothing but
// fillers ("pode apagar", "sim tenho certeza", "apaga tudo"); anything else is another
// subject ("pode me mandar o cardapio?", "sim quero uma pizza").
func eraseAnswer(body string) answer {
	said := normalize(body)
	words := strings.Fields(said)
	for _, w := range words {
		if slices.Contains(eraseNo, w) {
			return answerNo
		}
	}
	intents := commands.Parse(body).Intents
	switch {
	case slices.Contains(intents, understand.IntentNo):
		return answerNo
	case slices.Contains(intents, understand.IntentYes) && onlyPolite(intents):
		return answerYes
	case wantsErasure(said):
		return answerYes
	}
	yes := false
	for _, w := range words {
		switch {
		case slices.Contains(eraseYes, w) || matchesWord(w, eraseVerbs):
			yes = true
		case !slices.Contains(eraseFillers, w):
			return answerOther
		}
	}
	if yes {
		return answerYes
	}
	return answerOther
}

// erasureMemory is how long the erasure's idempotency record recognises a redelivery of the
// confirming message: past the inbound queue's retention (at most 14 days).
const erasureMemory = 15 * 24 * time.Hour

// erase carries out the erasure the turn's step decided (o.erase): it records the erasure
// under the confirming message's sid, erases (Deps.Eraser), and sends the reply. Nothing is
// written to the conversation: it is gone. A failure before the reply went is returned, and
// the retried message is recognised by erasedBy.
func (s *Service) erase(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, o outcome, processed int, lastSid string, lastInbound time.Time) error {
	if s.d.Eraser == nil {
		return domain.Errorf(domain.EINTERNAL, "no eraser configured")
	}
	key := erasureKey(o.eraseSid)
	// Recorded first: the eraser deletes the records of the customer's messages, not this
	// one, which names a message, not the customer.
	if _, err := s.d.Idempotency.Claim(ctx, client.ClientID, key, erasureMemory); err != nil {
		return fmt.Errorf("conversation: record the erasure: %w", err)
	}
	if err := s.eraseNow(ctx, log, client.ClientID, phone); err != nil {
		if rerr := s.d.Idempotency.Release(context.WithoutCancel(ctx), client.ClientID, key); rerr != nil {
			log.WarnContext(ctx, "release the erasure record", "error", rerr)
		}
		return err
	}
	return s.finish(ctx, log, client, phone, o, processed, lastSid, lastInbound)
}

// eraseNow calls the eraser and logs what it did (counts, never data).
func (s *Service) eraseNow(ctx context.Context, log *slog.Logger, clientID, phone string) error {
	rep, err := s.d.Eraser.EraseCustomer(ctx, clientID, phone)
	if err != nil {
		return fmt.Errorf("conversation: erase the customer's data: %w", err)
	}
	s.n.erasures.Add(1)
	log.InfoContext(ctx, "customer's data erased at their request", "event", "customer-erased",
		"mappings", rep.Mappings, "conversations", rep.Conversations,
		"idempotencyRecords", rep.IdempotencyRecords, "ordersPseudonymised", rep.OrdersPseudonymised)
	return nil
}

// erasedBy recognises the redelivery of a message that erased its sender's data (the reply
// failed, or the acknowledgement was lost): the customer has neither mapping nor
// conversation, and a message of msgs that reads as a yes has the erasure's record. The
// erasure is done again (it is idempotent, and an earlier attempt may have stopped part-way)
// and the reply sent unless the worker completed the message (it went). done false: not such
// a redelivery, the turn goes on. Only a yes costs the lookup.
func (s *Service) erasedBy(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, msgs []domain.InboundMessage, lastInbound time.Time) (done bool, err error) {
	if s.d.Eraser == nil {
		return false, nil
	}
	for _, m := range msgs {
		if eraseAnswer(m.Body) != answerYes {
			continue
		}
		st, err := s.d.Idempotency.Lookup(ctx, client.ClientID, erasureKey(m.MessageSid))
		if err != nil {
			return false, fmt.Errorf("conversation: look up an erasure: %w", err)
		}
		if st != domain.ClaimDone {
			continue
		}
		s.n.duplicates.Add(1)
		if err := s.eraseNow(ctx, log, client.ClientID, phone); err != nil {
			return true, err
		}
		last := msgs[len(msgs)-1].MessageSid
		if s.completed(ctx, log, client.ClientID, last) {
			log.InfoContext(ctx, "redelivered erasure already answered: nothing sent again")
			return true, nil
		}
		log.InfoContext(ctx, "redelivered erasure: the reply is sent again")
		reply := notify.Text(text(client, txtEraseDone, client.ClientName))
		return true, s.deliver(ctx, log, client, phone, nil, last, []notify.Message{reply}, 0, lastInbound, true)
	}
	return false, nil
}
