package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func clientEntity(table string) *entity[domain.Client] {
	return &entity[domain.Client]{
		kind:     "client",
		table:    table,
		keyNames: []string{attrClientID},
		keys:     func(c *domain.Client) []string { return []string{c.ClientID} },
		fields: func(c *domain.Client) fields {
			return fields{Version: &c.Version, CreatedAt: &c.CreatedAt, UpdatedAt: &c.UpdatedAt}
		},
		validate: (*domain.Client).Validate,
		describe: func(k []string) string { return fmt.Sprintf("client %q", k[0]) },
		// Every client record is in the platform admin's brand list (resourcenames.BrandsIndex).
		derive: func(*domain.Client) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{resourcenames.AttrBrandList: stringValue(resourcenames.BrandListValue)}
		},
	}
}

// GetClient implements domain.ClientRepository.
func (r *Repositories) GetClient(ctx context.Context, clientID string) (*domain.Client, error) {
	return read(ctx, r, r.clients, []string{clientID})
}

// CreateClient implements domain.ClientRepository. On success c holds what was stored.
func (r *Repositories) CreateClient(ctx context.Context, c *domain.Client) error {
	return create(ctx, r, r.clients, c)
}

// UpdateClient implements domain.ClientRepository.
func (r *Repositories) UpdateClient(ctx context.Context, clientID string, fn func(*domain.Client) error) (*domain.Client, error) {
	return update(ctx, r, r.clients, []string{clientID}, fn)
}

// FindClientByPhoneNumber implements domain.ClientRepository in two reads. The
// twilioPhoneNumber index is read with the platform's client: it is how the tenant is found,
// before there is one, and it projects nothing but the key (clientId), so the platform role
// that may query it learns which brand owns a number and nothing else. The brand's record is
// then read like any of the brand's items, in the brand's tenant scope (with credentials
// scoped to it, in AWS). When ctx already carries a tenant, another brand's number is refused
// (EFORBIDDEN) like any other cross-tenant read.
func (r *Repositories) FindClientByPhoneNumber(ctx context.Context, number string) (*domain.Client, error) {
	num, err := domain.ParseWhatsAppAddress(number)
	if err != nil {
		return nil, err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return nil, err
	}
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(attrTwilioNumber).Equal(expression.Value(num))).
		Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: build key condition: %w", err)
	}
	out, err := api.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &r.tables.ClientConfig,
		IndexName:                 aws.String(resourcenames.ClientByPhoneIndex),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		// Two are enough to tell "exactly one" from "ambiguous".
		Limit: aws.Int32(2),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: query %s on %s: %w", resourcenames.ClientByPhoneIndex, r.tables.ClientConfig, err)
	}
	// Two brands claiming one number is a misconfiguration; answering with either would
	// route one brand's customers to the other, so neither is answered.
	if len(out.Items) != 1 {
		return nil, domain.Errorf(domain.ENOTFOUND, "no client has the number %s", domain.Mask(num))
	}
	var owner struct {
		ClientID string `dynamodbav:"clientId"`
	}
	if err := attributevalue.UnmarshalMap(out.Items[0], &owner); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal client key: %w", err)
	}
	if err := domain.CheckTenant(ctx, owner.ClientID); err != nil {
		return nil, err
	}
	c, err := r.GetClient(domain.NewContextWithTenant(ctx, owner.ClientID), owner.ClientID)
	if err != nil {
		return nil, err
	}
	// The index lags the table: a number just moved to another brand still points here.
	if c.TwilioPhoneNumber != num {
		return nil, domain.Errorf(domain.ENOTFOUND, "no client has the number %s", domain.Mask(num))
	}
	return c, nil
}
