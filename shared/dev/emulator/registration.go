package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The tenant constructs register each brand's and store's config record at deploy time with
// CloudFormation custom resources (CDK's AwsCustomResource, type Custom::AWS): one DynamoDB
// UpdateItem on create and update, another on delete (infra/tenant/registration). The local
// stack runs the very calls of the template, so `make dev` and the tests register tenants
// exactly as `cdk deploy` does, and a test can show what a deploy does to records operators
// have edited.

// Phases of a registration: what CloudFormation runs when the resource is created or updated
// (the same call), and when it is deleted.
const (
	PhaseCreate = "Create"
	PhaseUpdate = "Update"
	PhaseDelete = "Delete"
)

// Refs says what the template's references resolve to in the emulator.
type Refs struct {
	Region, Account string
	// Rename maps a table's name from the template to the name created (Options.Rename).
	Rename func(string) string
	// QueueURLs maps queue names to their URLs (ApplyQueues); a queue missing from it
	// resolves to the URL the emulator would give it.
	QueueURLs map[string]string
	// Endpoint is the emulator's URL, for queue URLs not in QueueURLs.
	Endpoint string
}

// Registration is one registration call, resolved.
type Registration struct {
	LogicalID string
	Phase     string
	Input     *dynamodb.UpdateItemInput
	// IgnoreConditionFailure: the call's ignoreErrorCodesMatching accepts a failed condition
	// (a delete of a record that does not exist).
	IgnoreConditionFailure bool
}

// UpdateItemAPI is the DynamoDB call registrations make.
type UpdateItemAPI interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Registrations returns the template's registration calls of phase, in logical id order.
func (t *Template) Registrations(phase string, refs Refs) ([]Registration, error) {
	var out []Registration
	for _, id := range t.logicalIDs("Custom::AWS") {
		raw, ok := t.Resources[id].Properties[phase]
		if !ok {
			continue
		}
		text, err := t.resolve(raw, refs)
		if err != nil {
			return nil, fmt.Errorf("registration %s %s: %w", id, phase, err)
		}
		var call struct {
			Service, Action          string
			IgnoreErrorCodesMatching string
			Parameters               json.RawMessage
		}
		if err := json.Unmarshal([]byte(text), &call); err != nil {
			return nil, fmt.Errorf("registration %s %s: %w", id, phase, err)
		}
		if call.Action != "updateItem" && call.Action != "UpdateItem" {
			return nil, fmt.Errorf("registration %s %s: action %q: the local stack runs only DynamoDB UpdateItem", id, phase, call.Action)
		}
		in, err := updateItemInput(call.Parameters)
		if err != nil {
			return nil, fmt.Errorf("registration %s %s: %w", id, phase, err)
		}
		ignore := false
		if call.IgnoreErrorCodesMatching != "" {
			re, err := regexp.Compile(call.IgnoreErrorCodesMatching)
			if err != nil {
				return nil, fmt.Errorf("registration %s %s: ignoreErrorCodesMatching: %w", id, phase, err)
			}
			ignore = re.MatchString("ConditionalCheckFailedException")
		}
		out = append(out, Registration{LogicalID: id, Phase: phase, Input: in, IgnoreConditionFailure: ignore})
	}
	return out, nil
}

// ApplyRegistrations runs the template's registration calls of phase and returns how many
// changed a record (a delete of a missing record, ignored as in AWS, does not count).
func ApplyRegistrations(ctx context.Context, db UpdateItemAPI, t *Template, phase string, refs Refs) (int, error) {
	regs, err := t.Registrations(phase, refs)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range regs {
		_, err := db.UpdateItem(ctx, r.Input)
		var ccf *ddbtypes.ConditionalCheckFailedException
		switch {
		case err == nil:
			n++
		case errors.As(err, &ccf) && r.IgnoreConditionFailure:
		default:
			return n, fmt.Errorf("registration %s %s: %w", r.LogicalID, r.Phase, err)
		}
	}
	return n, nil
}

// resolve turns a property (a JSON string, or Fn::Join of strings and references) into its
// text.
func (t *Template) resolve(v any, refs Refs) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		if join, ok := x["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			var parts []string
			for _, p := range list(join[1]) {
				s, err := t.resolve(p, refs)
				if err != nil {
					return "", err
				}
				parts = append(parts, s)
			}
			return strings.Join(parts, sep), nil
		}
		if id, ok := x["Ref"].(string); ok {
			return t.ref(id, refs)
		}
		if ga := list(x["Fn::GetAtt"]); len(ga) == 2 {
			return t.getAtt(str(ga[0]), str(ga[1]), refs)
		}
	}
	return "", fmt.Errorf("cannot resolve %v", v)
}

func (t *Template) ref(id string, refs Refs) (string, error) {
	switch id {
	case "AWS::Region":
		return refs.Region, nil
	case "AWS::AccountId":
		return refs.Account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	}
	r, ok := t.Resources[id]
	if !ok {
		return "", fmt.Errorf("reference to %s: no such resource", id)
	}
	switch r.Type {
	case "AWS::DynamoDB::Table":
		name := str(r.Properties["TableName"])
		if refs.Rename != nil {
			name = refs.Rename(name)
		}
		return name, nil
	case "AWS::SecretsManager::Secret":
		// The registration only records the ARN; the runtime finds a secret by its name.
		return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", refs.Region, refs.Account, str(r.Properties["Name"])), nil
	case "AWS::SQS::Queue":
		name := str(r.Properties["QueueName"])
		if u, ok := refs.QueueURLs[name]; ok {
			return u, nil
		}
		return strings.TrimSuffix(refs.Endpoint, "/") + "/" + refs.Account + "/" + name, nil
	}
	return "", fmt.Errorf("reference to %s: the local stack does not resolve a %s", id, r.Type)
}

func (t *Template) getAtt(id, attr string, refs Refs) (string, error) {
	r, ok := t.Resources[id]
	if !ok {
		return "", fmt.Errorf("attribute of %s: no such resource", id)
	}
	switch {
	case r.Type == "AWS::SQS::Queue" && attr == "Arn":
		return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", refs.Region, refs.Account, str(r.Properties["QueueName"])), nil
	case r.Type == "AWS::Bedrock::ApplicationInferenceProfile" && attr == "InferenceProfileArn":
		// The emulator has no Bedrock control plane: the ARN names the profile, as AWS's ids do not.
		return fmt.Sprintf("arn:aws:bedrock:%s:%s:application-inference-profile/%s", refs.Region, refs.Account, str(r.Properties["InferenceProfileName"])), nil
	}
	return "", fmt.Errorf("attribute %s.%s: the local stack does not resolve it", id, attr)
}

// updateItemInput decodes an UpdateItem's parameters in DynamoDB's JSON (attribute values as
// {"S": ...}, {"N": ...}, {"BOOL": ...}).
func updateItemInput(raw json.RawMessage) (*dynamodb.UpdateItemInput, error) {
	var p struct {
		TableName                 string
		Key                       map[string]map[string]any
		UpdateExpression          string
		ConditionExpression       string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues map[string]map[string]any
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("parameters: %w", err)
	}
	key, err := attributeValues(p.Key)
	if err != nil {
		return nil, err
	}
	values, err := attributeValues(p.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(p.TableName), Key: key, UpdateExpression: aws.String(p.UpdateExpression),
		ExpressionAttributeNames: p.ExpressionAttributeNames, ExpressionAttributeValues: values,
	}
	if p.ConditionExpression != "" {
		in.ConditionExpression = aws.String(p.ConditionExpression)
	}
	return in, nil
}

func attributeValues(m map[string]map[string]any) (map[string]ddbtypes.AttributeValue, error) {
	out := make(map[string]ddbtypes.AttributeValue, len(m))
	for name, v := range m {
		if len(v) != 1 {
			return nil, fmt.Errorf("attribute value %s: want one type, got %v", name, v)
		}
		for typ, val := range v {
			switch s, isString := val.(string); {
			case typ == "S" && isString:
				out[name] = &ddbtypes.AttributeValueMemberS{Value: s}
			case typ == "N" && isString:
				out[name] = &ddbtypes.AttributeValueMemberN{Value: s}
			case typ == "BOOL":
				b, ok := val.(bool)
				if !ok {
					return nil, fmt.Errorf("attribute value %s: BOOL %v", name, val)
				}
				out[name] = &ddbtypes.AttributeValueMemberBOOL{Value: b}
			default:
				return nil, fmt.Errorf("attribute value %s: type %s is not supported here", name, typ)
			}
		}
	}
	return out, nil
}
