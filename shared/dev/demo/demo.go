// Package demo holds the demo brands and stores of the local stack (`make dev`) and seeds them.
// These values are for the local emulator only: the auth tokens below are published in the
// README and are never valid Twilio credentials. The dev tenant catalog in infra/ declares
// the same brands and stores (a test keeps the two in step).
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Demo brand ids and numbers.
const (
	PizzariaID     = "demo-pizzaria"
	PizzariaNumber = "whatsapp:+5511990000001"
	PizzariaToken  = "localdevtoken0000000000000000001"
	BurgerID       = "demo-burger"
	BurgerNumber   = "whatsapp:+5511990000002"
	BurgerToken    = "localdevtoken0000000000000000002"
)

// TwilioCredentials is the JSON value of a brand's Twilio secret (resourcenames.TwilioSecret).
type TwilioCredentials struct {
	AccountSID string `json:"accountSid"`
	AuthToken  string `json:"authToken"`
}

// LocalAsaasKeyPrefix starts the demo brands' payment keys: keys of the local payment
// provider (package localasaas), never Asaas's own ("$aact_..."). The local runner sends a
// brand whose key has it to the local provider, and any other key to Asaas.
const LocalAsaasKeyPrefix = "$local_"

// Tenant is one demo brand with its stores, its menu and its Twilio and payment credentials.
type Tenant struct {
	Client domain.Client
	Stores []domain.Store
	Menu   domain.Menu
	Twilio TwilioCredentials
	// Asaas is the brand's key at the local payment provider and the token its webhook calls
	// carry (at least 32 characters, as Asaas requires).
	Asaas domain.PaymentCredentials
}

func everyDay(open, close string) domain.OperatingHours {
	oh := domain.OperatingHours{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		oh[d] = []domain.TimeRange{{Open: open, Close: close}}
	}
	return oh
}

// Tenants returns the demo data, a fresh copy on every call.
func Tenants() []Tenant {
	pizzaHours := everyDay("18:00", "23:30")
	pizzaHours["friday"] = []domain.TimeRange{{Open: "18:00", Close: "01:00"}}
	pizzaHours["saturday"] = []domain.TimeRange{{Open: "18:00", Close: "01:00"}}
	pizzaDelivery := domain.DeliveryConfig{
		DeliveryEnabled: true, PickupEnabled: true, DeliveryFeeCents: 799, MinimumOrderCents: 3000,
		FreeDeliveryAboveCents: 12000, DeliveryRadiusKm: 5, EstimatedMinutes: 45,
	}
	return []Tenant{
		{
			Client: domain.Client{
				ClientID: PizzariaID, ClientName: "Pizzaria Demo", TwilioPhoneNumber: PizzariaNumber,
				DefaultLanguage: domain.PtBR, IsActive: true,
				WelcomeMessage:   "Olá! Bem-vindo à Pizzaria Demo 🍕. Quer ver o cardápio?",
				AIPromptTemplate: "Você é o atendente simpático da Pizzaria Demo. Responda em português do Brasil, de forma breve.",
			},
			Twilio: TwilioCredentials{AccountSID: "AC00000000000000000000000000000001", AuthToken: PizzariaToken},
			Asaas:  domain.PaymentCredentials{APIKey: LocalAsaasKeyPrefix + PizzariaID, WebhookToken: "local-asaas-webhook-token-demo-pizzaria"},
			Menu:   pizzariaMenu(),
			Stores: []domain.Store{
				{
					ClientID: PizzariaID, StoreID: "centro", StoreName: "Centro", IsActive: true,
					Address: domain.Address{Street: "Rua XV de Novembro", Number: "100", Neighborhood: "Centro",
						City: "São Paulo", State: "SP", PostalCode: "01013-000"},
					PhoneNumber: "+551130000001", Timezone: domain.DefaultTimezone, OperatingHours: pizzaHours,
					DeliveryConfig: pizzaDelivery,
					PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit},
				},
				{
					ClientID: PizzariaID, StoreID: "paulista", StoreName: "Paulista", IsActive: true,
					Address: domain.Address{Street: "Avenida Paulista", Number: "1500", Neighborhood: "Bela Vista",
						City: "São Paulo", State: "SP", PostalCode: "01310-200"},
					PhoneNumber: "+551130000002", Timezone: domain.DefaultTimezone, OperatingHours: pizzaHours,
					DeliveryConfig: pizzaDelivery,
					PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit},
				},
			},
		},
		{
			Client: domain.Client{
				ClientID: BurgerID, ClientName: "Burger Demo", TwilioPhoneNumber: BurgerNumber,
				DefaultLanguage: domain.EnUS, IsActive: true,
				WelcomeMessage:   "Hi! Welcome to Burger Demo 🍔. Want to see the menu?",
				AIPromptTemplate: "You are Burger Demo's friendly assistant. Answer briefly in English.",
			},
			Twilio: TwilioCredentials{AccountSID: "AC00000000000000000000000000000002", AuthToken: BurgerToken},
			Asaas:  domain.PaymentCredentials{APIKey: LocalAsaasKeyPrefix + BurgerID, WebhookToken: "local-asaas-webhook-token-demo-burger-x"},
			Menu:   burgerMenu(),
			Stores: []domain.Store{
				{
					ClientID: BurgerID, StoreID: "vila-madalena", StoreName: "Vila Madalena", IsActive: true,
					Address: domain.Address{Street: "Rua Aspicuelta", Number: "300", Neighborhood: "Vila Madalena",
						City: "São Paulo", State: "SP", PostalCode: "05433-010"},
					PhoneNumber: "+551130000003", Timezone: domain.DefaultTimezone,
					// Open around the clock so the demo takes orders at any hour; the
					// pizzeria keeps evening hours to show a closed store.
					OperatingHours: everyDay("00:00", "24:00"),
					DeliveryConfig: domain.DeliveryConfig{DeliveryEnabled: true, PickupEnabled: true,
						DeliveryFeeCents: 599, MinimumOrderCents: 2500, DeliveryRadiusKm: 4, EstimatedMinutes: 35},
					PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit, domain.PaymentDebit},
				},
			},
		},
	}
}

// pizzariaMenu is demo-pizzaria's catalog: pizzas in two sizes with a stuffed-crust option,
// and drinks. Quatro Queijos is not sold at the Paulista store.
func pizzariaMenu() domain.Menu {
	sizes := func(media, grande int64) []domain.ItemSize {
		return []domain.ItemSize{{SizeID: "media", Name: "Média", PriceCents: media}, {SizeID: "grande", Name: "Grande", PriceCents: grande}}
	}
	borda := []domain.ItemOption{{OptionID: "borda", Name: "Borda recheada", PriceDeltaCents: 800}}
	return domain.Menu{
		ClientID: PizzariaID,
		Categories: []domain.Category{
			{CategoryID: "pizzas", Name: "Pizzas", Sort: 1},
			{CategoryID: "bebidas", Name: "Bebidas", Sort: 2},
		},
		Items: []domain.MenuItem{
			{ItemID: "calabresa", CategoryID: "pizzas", Name: "Calabresa", Description: "Calabresa fatiada, cebola e azeitonas",
				Sizes: sizes(4200, 5200), Options: borda, Available: true, Sort: 1},
			{ItemID: "margherita", CategoryID: "pizzas", Name: "Margherita", Description: "Molho de tomate, mussarela e manjericão",
				Sizes: sizes(4000, 5000), Options: borda, Available: true, Sort: 2},
			{ItemID: "quatro-queijos", CategoryID: "pizzas", Name: "Quatro Queijos", Description: "Mussarela, provolone, parmesão e gorgonzola",
				Sizes: sizes(4600, 5600), Options: borda, Available: true, Sort: 3,
				Stores: map[string]domain.StoreItem{"paulista": {Unavailable: true}}},
			{ItemID: "coca", CategoryID: "bebidas", Name: "Coca-Cola 2 L", PriceCents: 1400, Available: true, Sort: 1,
				Aliases: []string{"coca", "coca cola", "coke", "refri", "refrigerante"}},
			{ItemID: "guarana", CategoryID: "bebidas", Name: "Guaraná 2 L", PriceCents: 1200, Available: true, Sort: 2,
				Aliases: []string{"guarana antarctica"}},
		},
	}
}

// burgerMenu is demo-burger's catalog: burgers with extras, sides and drinks.
func burgerMenu() domain.Menu {
	extras := []domain.ItemOption{
		{OptionID: "bacon", Name: "Bacon", PriceDeltaCents: 600},
		{OptionID: "cheese", Name: "Extra cheese", PriceDeltaCents: 400},
	}
	return domain.Menu{
		ClientID: BurgerID,
		Categories: []domain.Category{
			{CategoryID: "burgers", Name: "Burgers", Sort: 1},
			{CategoryID: "sides", Name: "Sides", Sort: 2},
			{CategoryID: "drinks", Name: "Drinks", Sort: 3},
		},
		Items: []domain.MenuItem{
			{ItemID: "classic", CategoryID: "burgers", Name: "Classic Burger", Description: "Beef patty, lettuce, tomato, house sauce",
				PriceCents: 3200, Options: extras, Available: true, Sort: 1},
			{ItemID: "cheese", CategoryID: "burgers", Name: "Cheese Burger", Description: "Beef patty with cheddar",
				PriceCents: 3500, Options: extras, Available: true, Sort: 2, Aliases: []string{"cheeseburger"}},
			{ItemID: "veggie", CategoryID: "burgers", Name: "Veggie Burger", Description: "Chickpea patty, greens, vegan mayo",
				PriceCents: 3400, Options: extras, Available: true, Sort: 3},
			{ItemID: "fries", CategoryID: "sides", Name: "Fries", PriceCents: 1500, Available: true, Sort: 1,
				Aliases: []string{"french fries", "batata frita", "chips"}},
			{ItemID: "onion-rings", CategoryID: "sides", Name: "Onion Rings", PriceCents: 1800, Available: true, Sort: 2},
			{ItemID: "coke", CategoryID: "drinks", Name: "Coke", PriceCents: 800, Available: true, Sort: 1,
				Aliases: []string{"coca cola", "coca", "soda"}},
			{ItemID: "lemonade", CategoryID: "drinks", Name: "Lemonade", PriceCents: 1000, Available: true, Sort: 2},
		},
	}
}

// SecretWriter is the slice of Secrets Manager the seed uses.
type SecretWriter interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// Targets are where Seed writes.
type Targets struct {
	Clients domain.ClientRepository
	Stores  domain.StoreRepository
	Menus   domain.MenuRepository
	Secrets SecretWriter
	// Queues resolves a store's order queue by name to its URL and ARN, as the TenantStore
	// construct registers them in AWS; nil leaves stores without a queue.
	Queues QueueResolver
}

// QueueResolver finds a queue's URL and ARN by name.
type QueueResolver interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Seed creates the demo brands, stores and menus where they are absent (what exists, perhaps
// edited through the admin API, is kept), registers each store's order queue in its config
// (only sqsQueueUrl and sqsQueueArn change, as the TenantStore construct does in AWS) and
// puts the demo Twilio credentials into each brand's secret, which the template's secrets
// already created.
func Seed(ctx context.Context, env string, to Targets) error {
	ctx = domain.NewPlatformContext(ctx) // seeding acts for the platform, across brands
	for _, t := range Tenants() {
		c := t.Client
		if err := to.Clients.CreateClient(ctx, &c); err != nil && !domain.IsConflict(err) {
			return fmt.Errorf("seed client %s: %w", c.ClientID, err)
		}
		for _, s := range t.Stores {
			s := s
			if err := to.Stores.CreateStore(ctx, &s); err != nil && !domain.IsConflict(err) {
				return fmt.Errorf("seed store %s/%s: %w", s.ClientID, s.StoreID, err)
			}
			if to.Queues != nil {
				if err := registerQueue(ctx, env, to, s); err != nil {
					return err
				}
			}
		}
		if to.Menus != nil {
			cur, err := to.Menus.GetMenu(ctx, c.ClientID)
			if err != nil {
				return fmt.Errorf("seed menu of %s: %w", c.ClientID, err)
			}
			if len(cur.Items) == 0 {
				m := t.Menu
				if err := to.Menus.PutMenu(ctx, &m); err != nil {
					return fmt.Errorf("seed menu of %s: %w", c.ClientID, err)
				}
			}
		}
		value, err := json.Marshal(t.Twilio)
		if err != nil {
			return err
		}
		if _, err := to.Secrets.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId:     aws.String(resourcenames.TwilioSecret(env, c.ClientID)),
			SecretString: aws.String(string(value)),
		}); err != nil {
			return fmt.Errorf("seed Twilio secret of %s: %w", c.ClientID, err)
		}
		if err := seedAsaas(ctx, env, to.Secrets, c.ClientID, t.Asaas); err != nil {
			return err
		}
	}
	return nil
}

// seedAsaas puts the brand's local payment key into its Asaas secret unless an operator put
// a key and webhook token of their own there (an Asaas sandbox key, through the admin API):
// that one is kept. The deploy's placeholder (a generated key, no token) is replaced.
func seedAsaas(ctx context.Context, env string, sm SecretWriter, clientID string, v domain.PaymentCredentials) error {
	name := resourcenames.AsaasSecret(env, clientID)
	if cur, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)}); err == nil {
		var have domain.PaymentCredentials
		if json.Unmarshal([]byte(aws.ToString(cur.SecretString)), &have) == nil && have.APIKey != "" && have.WebhookToken != "" && !strings.HasPrefix(have.APIKey, LocalAsaasKeyPrefix) {
			return nil
		}
	}
	value, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(value))}); err != nil {
		return fmt.Errorf("seed Asaas secret of %s: %w", clientID, err)
	}
	return nil
}

// registerQueue writes the store's order queue URL and ARN into its config.
func registerQueue(ctx context.Context, env string, to Targets, s domain.Store) error {
	name := resourcenames.StoreOrderQueue(env, s.ClientID, s.StoreID)
	u, err := to.Queues.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("seed: queue %s of store %s/%s: %w", name, s.ClientID, s.StoreID, err)
	}
	attrs, err := to.Queues.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: u.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("seed: attributes of queue %s: %w", name, err)
	}
	url, arn := aws.ToString(u.QueueUrl), attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	_, err = to.Stores.UpdateStore(ctx, s.ClientID, s.StoreID, func(st *domain.Store) error {
		st.SQSQueueURL, st.SQSQueueARN = url, arn
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed: register queue of store %s/%s: %w", s.ClientID, s.StoreID, err)
	}
	return nil
}
