package admin

import (
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// TextsUpdate replaces the brand's text overrides: text id -> language -> text. A text
// absent here is the catalog's default.
type TextsUpdate struct {
	Texts map[string]map[domain.Language]string `json:"texts"`
}

// TextPreview asks for one text rendered with sample values.
type TextPreview struct {
	ID       string `json:"id"`
	Language string `json:"language"`
	// Text, when set, previews this text instead of the stored one (before saving it).
	Text *string `json:"text,omitempty"`
}

// PromptUpdate sets the brand's AI settings. A field left out keeps its current value.
type PromptUpdate struct {
	// AIPromptTemplate is the brand's prompt template ("" returns to the default).
	AIPromptTemplate *string `json:"aiPromptTemplate,omitempty"`
	// AIDailyTokenBudget is the most model tokens the brand may use a day (input at full
	// price, output and prompt-cache writes; São Paulo's day): 0 returns to the default
	// (domain.DefaultAIDailyTokenBudget), at most domain.MaxAIDailyTokenBudget.
	AIDailyTokenBudget *int64 `json:"aiDailyTokenBudget,omitempty"`
}

// PromptPreview renders a template for one store and language.
type PromptPreview struct {
	StoreID  string `json:"storeId"`
	Language string `json:"language,omitempty"`
	// Template, when set, previews it instead of the stored one.
	Template *string `json:"template,omitempty"`
}

// Rendered is a preview.
type Rendered struct {
	Text string `json:"text"`
}

// PromptView is the brand's prompt, the variables a template may use and the brand's
// daily token budget in effect (its own, or the default).
type PromptView struct {
	AIPromptTemplate   string `json:"aiPromptTemplate"`
	Variables          any    `json:"variables"`
	AIDailyTokenBudget int64  `json:"aiDailyTokenBudget"`
}

// promptView is the brand's PromptView.
func promptView(cl *domain.Client, t Texts) PromptView {
	return PromptView{AIPromptTemplate: cl.AIPromptTemplate, Variables: t.PromptVariables(), AIDailyTokenBudget: cl.TokenBudget()}
}

func (c *call) texts() (Texts, error) {
	if c.h.d.Texts == nil {
		return nil, errNotConfigured("texts and prompts")
	}
	return c.h.d.Texts, nil
}

func (c *call) getTexts() (any, error) {
	t, err := c.texts()
	if err != nil {
		return nil, err
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	return t.Catalog(cl), nil
}

func (c *call) putTexts() (any, error) {
	t, err := c.texts()
	if err != nil {
		return nil, err
	}
	var in TextsUpdate
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := t.ValidateTexts(in.Texts); err != nil {
		return nil, err
	}
	cl, err := c.updateBrand("brand.texts.update", 0, func(cl *domain.Client) error { cl.Texts = in.Texts; return nil })
	if err != nil {
		return nil, err
	}
	return t.Catalog(cl), nil
}

func (c *call) previewText() (any, error) {
	t, err := c.texts()
	if err != nil {
		return nil, err
	}
	var in TextPreview
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	lang, err := domain.ParseLanguage(in.Language)
	if err != nil {
		return nil, domain.InvalidField("language", "must be pt-BR or en-US")
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	if in.Text != nil {
		over := map[string]map[domain.Language]string{in.ID: {lang: *in.Text}}
		if err := t.ValidateTexts(over); err != nil {
			return nil, err
		}
		cp := *cl
		cp.Texts = over
		cl = &cp
	}
	out, err := t.PreviewText(cl, lang, in.ID)
	if err != nil {
		return nil, err
	}
	return Rendered{Text: out}, nil
}

func (c *call) getPrompt() (any, error) {
	t, err := c.texts()
	if err != nil {
		return nil, err
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	return promptView(cl, t), nil
}

func (c *call) putPrompt() (any, error) {
	t, err := c.texts()
	if err != nil {
		return nil, err
	}
	var in PromptUpdate
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var fields []domain.FieldError
	if in.AIPromptTemplate != nil && *in.AIPromptTemplate != "" {
		if err := t.ValidatePrompt(*in.AIPromptTemplate); err != nil {
			if fs := domain.FieldsOf(err); len(fs) > 0 {
				fields = append(fields, fs...)
			} else {
				return nil, err
			}
		}
	}
	if in.AIDailyTokenBudget != nil {
		if err := domain.CheckAIDailyTokenBudget(*in.AIDailyTokenBudget); err != nil {
			fields = append(fields, domain.FieldsOf(err)...)
		}
	}
	if err := domain.Invalid(fields); err != nil {
		return nil, err
	}
	cl, err := c.updateBrand("brand.prompt.update", 0, func(cl *domain.Client) error {
		if in.AIPromptTemplate != nil {
			cl.AIPromptTemplate = *in.AIPromptTemplate
		}
		if in.AIDailyTokenBudget != nil && *in.AIDailyTokenBudget != cl.AIDailyTokenBudget {
			// The budget bounds what the platform pays Bedrock for the brand: the brand's own
			// admins read it, only the platform's set it.
			if c.p.Role != resourcenames.RolePlatformAdmin {
				return errForbidden("only a platform admin may change aiDailyTokenBudget")
			}
			cl.AIDailyTokenBudget = *in.AIDailyTokenBudget
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return promptView(cl, t), nil
}

func (c *call) previewPrompt() (any, error) {
	t, err := c.texts()
	if err != nil {
		return nil, err
	}
	var in PromptPreview
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	lang := cl.DefaultLanguage
	if in.Language != "" {
		if lang, err = domain.ParseLanguage(in.Language); err != nil {
			return nil, domain.InvalidField("language", "must be pt-BR or en-US")
		}
	}
	tmpl := cl.AIPromptTemplate
	if in.Template != nil {
		tmpl = *in.Template
		if err := t.ValidatePrompt(tmpl); err != nil {
			return nil, err
		}
	}
	if _, err := c.h.d.Repos.GetStore(c.ctx, c.clientID, in.StoreID); err != nil {
		if domain.IsNotFound(err) || domain.ErrorCode(err) == domain.EINVALID {
			return nil, domain.InvalidField("storeId", "is not a store of the brand")
		}
		return nil, err
	}
	out, err := t.RenderPrompt(c.ctx, cl, in.StoreID, lang, tmpl)
	if err != nil {
		return nil, err
	}
	return Rendered{Text: out}, nil
}
