// Package emulator builds the local stack: it reads the CloudFormation template that the CDK
// app synthesizes for an environment and creates the same tables, queues and secrets in an
// AWS emulator (moto in server mode). The template is the only list of resources: there is no
// second, hand-kept copy to drift from what `cdk deploy` creates.
package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Template is the part of a CloudFormation template the emulator reads.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// Resource is one CloudFormation resource.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

// LoadTemplate reads a synthesized template (cdk.out/<env>/Wabot-<env>.template.json).
func LoadTemplate(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w (run `make synth` first)", err)
	}
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	return &t, nil
}

// logicalIDs returns the ids of resources of type typ, sorted so runs are repeatable.
func (t *Template) logicalIDs(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// TableSpec is a DynamoDB table as the template declares it.
type TableSpec struct {
	LogicalID            string
	TableName            string
	KeySchema            []ddbtypes.KeySchemaElement
	AttributeDefinitions []ddbtypes.AttributeDefinition
	GlobalIndexes        []ddbtypes.GlobalSecondaryIndex
	TTLAttribute         string
	PointInTimeRecovery  bool
	Tags                 map[string]string
}

// QueueSpec is an SQS queue as the template declares it.
type QueueSpec struct {
	LogicalID string
	QueueName string
	// Attributes are SQS attribute names and values (FifoQueue, VisibilityTimeout, ...),
	// without RedrivePolicy, which needs the dead-letter queue's ARN first.
	Attributes      map[string]string
	DeadLetterQueue string // logical id of the dead-letter queue, if any
	MaxReceiveCount int
	Tags            map[string]string
}

// SecretSpec is a Secrets Manager secret as the template declares it.
type SecretSpec struct {
	LogicalID            string
	Name                 string
	Description          string
	SecretStringTemplate string
	GenerateStringKey    string
	Tags                 map[string]string
}

// Tables returns the template's DynamoDB tables.
func (t *Template) Tables() ([]TableSpec, error) {
	var out []TableSpec
	for _, id := range t.logicalIDs("AWS::DynamoDB::Table") {
		p := t.Resources[id].Properties
		name, ok := p["TableName"].(string)
		if !ok {
			return nil, fmt.Errorf("table %s: TableName must be a literal name (it is a contract)", id)
		}
		spec := TableSpec{LogicalID: id, TableName: name, Tags: tags(p["Tags"])}
		var err error
		if spec.KeySchema, err = keySchema(p["KeySchema"]); err != nil {
			return nil, fmt.Errorf("table %s: %w", id, err)
		}
		for _, a := range list(p["AttributeDefinitions"]) {
			m := obj(a)
			spec.AttributeDefinitions = append(spec.AttributeDefinitions, ddbtypes.AttributeDefinition{
				AttributeName: aws.String(str(m["AttributeName"])),
				AttributeType: ddbtypes.ScalarAttributeType(str(m["AttributeType"])),
			})
		}
		for _, g := range list(p["GlobalSecondaryIndexes"]) {
			m := obj(g)
			ks, err := keySchema(m["KeySchema"])
			if err != nil {
				return nil, fmt.Errorf("table %s index: %w", id, err)
			}
			proj := obj(m["Projection"])
			gsi := ddbtypes.GlobalSecondaryIndex{
				IndexName: aws.String(str(m["IndexName"])),
				KeySchema: ks,
				Projection: &ddbtypes.Projection{
					ProjectionType: ddbtypes.ProjectionType(str(proj["ProjectionType"])),
				},
			}
			for _, a := range list(proj["NonKeyAttributes"]) {
				gsi.Projection.NonKeyAttributes = append(gsi.Projection.NonKeyAttributes, str(a))
			}
			spec.GlobalIndexes = append(spec.GlobalIndexes, gsi)
		}
		if ttl := obj(p["TimeToLiveSpecification"]); truthy(ttl["Enabled"]) {
			spec.TTLAttribute = str(ttl["AttributeName"])
		}
		spec.PointInTimeRecovery = truthy(obj(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"])
		out = append(out, spec)
	}
	return out, nil
}

// Queues returns the template's SQS queues.
func (t *Template) Queues() ([]QueueSpec, error) {
	var out []QueueSpec
	for _, id := range t.logicalIDs("AWS::SQS::Queue") {
		p := t.Resources[id].Properties
		name, ok := p["QueueName"].(string)
		if !ok {
			return nil, fmt.Errorf("queue %s: QueueName must be a literal name (it is a contract)", id)
		}
		spec := QueueSpec{LogicalID: id, QueueName: name, Attributes: map[string]string{}, Tags: tags(p["Tags"])}
		for _, attr := range []string{"FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout",
			"MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds",
			"DeduplicationScope", "FifoThroughputLimit"} {
			if v, ok := p[attr]; ok {
				spec.Attributes[attr] = scalar(v)
			}
		}
		if rp := obj(p["RedrivePolicy"]); rp != nil {
			spec.DeadLetterQueue = getAttTarget(rp["deadLetterTargetArn"])
			if spec.DeadLetterQueue == "" {
				return nil, fmt.Errorf("queue %s: deadLetterTargetArn must be Fn::GetAtt of a queue in the template", id)
			}
			n, err := strconv.Atoi(scalar(rp["maxReceiveCount"]))
			if err != nil {
				return nil, fmt.Errorf("queue %s: maxReceiveCount: %w", id, err)
			}
			spec.MaxReceiveCount = n
		}
		out = append(out, spec)
	}
	return out, nil
}

// Secrets returns the template's Secrets Manager secrets.
func (t *Template) Secrets() ([]SecretSpec, error) {
	var out []SecretSpec
	for _, id := range t.logicalIDs("AWS::SecretsManager::Secret") {
		p := t.Resources[id].Properties
		name, ok := p["Name"].(string)
		if !ok {
			return nil, fmt.Errorf("secret %s: Name must be a literal name (it is a contract)", id)
		}
		gen := obj(p["GenerateSecretString"])
		out = append(out, SecretSpec{
			LogicalID:            id,
			Name:                 name,
			Description:          str(p["Description"]),
			SecretStringTemplate: str(gen["SecretStringTemplate"]),
			GenerateStringKey:    str(gen["GenerateStringKey"]),
			Tags:                 tags(p["Tags"]),
		})
	}
	return out, nil
}

func keySchema(v any) ([]ddbtypes.KeySchemaElement, error) {
	var ks []ddbtypes.KeySchemaElement
	for _, k := range list(v) {
		m := obj(k)
		ks = append(ks, ddbtypes.KeySchemaElement{
			AttributeName: aws.String(str(m["AttributeName"])),
			KeyType:       ddbtypes.KeyType(str(m["KeyType"])),
		})
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("no KeySchema")
	}
	return ks, nil
}

// getAttTarget returns X of {"Fn::GetAtt": ["X", "Arn"]}.
func getAttTarget(v any) string {
	ga := list(obj(v)["Fn::GetAtt"])
	if len(ga) != 2 || str(ga[1]) != "Arn" {
		return ""
	}
	return str(ga[0])
}

func tags(v any) map[string]string {
	out := map[string]string{}
	for _, t := range list(v) {
		m := obj(t)
		if k, ok := m["Key"].(string); ok {
			if val, ok := m["Value"].(string); ok {
				out[k] = val
			}
		}
	}
	return out
}

func list(v any) []any         { l, _ := v.([]any); return l }
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func str(v any) string         { s, _ := v.(string); return s }
func truthy(v any) bool        { b, ok := v.(bool); return (ok && b) || v == "true" }

// scalar renders a CloudFormation scalar (JSON number, bool or string) as SQS expects it.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
