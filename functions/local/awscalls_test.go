package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// awsRecorder stands between the local runner and the emulator and writes down, for every AWS
// call, who made it (the access key of its SigV4 signature) and what it touched (table, index
// and partition keys; secret; queue). It also reads the emulator's sts:AssumeRole answers, so
// it knows which access keys belong to a session tagged clientId=<brand>. The emulator hands
// out credentials without evaluating IAM; this is how a test sees that the runtime asks for
// a brand's data only with that brand's session (tools/iamcheck proves the policies).
type awsRecorder struct {
	target *url.URL
	client *http.Client
	on     atomic.Bool

	mu       sync.Mutex
	calls    []awsCall
	sessions map[string]string // access key id -> clientId session tag
	roles    map[string]string // access key id -> the role it was assumed from
	assumed  []assumed
}

// awsCall is one recorded call.
type awsCall struct {
	Service, Action, AccessKey string
	Path                       string // the request's path (an unsigned request's only description)
	Table, Index               string
	PartitionKeys              []string // the partition key values a DynamoDB call names
	Secret, Queue              string
}

func (c awsCall) String() string {
	return fmt.Sprintf("%s:%s table=%s index=%s keys=%q secret=%s queue=%s key=%s",
		c.Service, c.Action, c.Table, c.Index, c.PartitionKeys, c.Secret, c.Queue, c.AccessKey)
}

// assumed is one sts:AssumeRole the runtime made.
type assumed struct{ Role, Session, Tag string }

func newAWSRecorder(t *testing.T, endpoint string) (*awsRecorder, *httptest.Server) {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	r := &awsRecorder{target: u, client: &http.Client{}, sessions: map[string]string{}, roles: map[string]string{}}
	return r, httptest.NewServer(r)
}

var (
	credentialRe  = regexp.MustCompile(`Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request`)
	accessKeyRe   = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)
	keyEqualityRe = regexp.MustCompile(`(#\w+) = (:\w+)`)
)

// partitionKeyAttrs are the partition keys of the tables and indexes (docs/data-model.md).
var partitionKeyAttrs = map[string]bool{
	resourcenames.AttrPK: true, resourcenames.AttrClientID: true, resourcenames.AttrBrandShard: true,
	resourcenames.AttrStoreShard: true, resourcenames.AttrSessionKey: true, resourcenames.AttrTwilioPhoneNumber: true,
	resourcenames.AttrCustomerKey: true, resourcenames.AttrBrandList: true, resourcenames.AttrAuditDay: true,
}

func (r *awsRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	out, err := http.NewRequestWithContext(req.Context(), req.Method, r.target.String()+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = req.Header.Clone()
	resp, err := r.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(resp.Body)
	// Sessions are learnt from the start (seeding assumes them, the runtime keeps using them);
	// calls are recorded once the runner is up.
	r.record(req, body, respBody, r.on.Load())
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// record parses one call. Parsing errors are recorded as calls of their own, so an
// unexpected shape fails the test instead of escaping it.
func (r *awsRecorder) record(req *http.Request, body, respBody []byte, keep bool) {
	c := awsCall{Path: req.URL.Path}
	if m := credentialRe.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		c.AccessKey, c.Service = m[1], m[2]
	}
	if target := req.Header.Get("X-Amz-Target"); target != "" {
		c.Action = target[strings.LastIndex(target, ".")+1:]
	}
	var calls []awsCall
	switch c.Service {
	case "sts":
		form, _ := url.ParseQuery(string(body))
		c.Action = form.Get("Action")
		if c.Action == "AssumeRole" {
			a := assumed{Role: form.Get("RoleArn"), Session: form.Get("RoleSessionName")}
			if form.Get("Tags.member.1.Key") == "clientId" {
				a.Tag = form.Get("Tags.member.1.Value")
			}
			r.mu.Lock()
			r.assumed = append(r.assumed, a)
			if m := accessKeyRe.FindSubmatch(respBody); m != nil && a.Tag != "" {
				r.sessions[string(m[1])] = a.Tag
				r.roles[string(m[1])] = a.Role
			}
			r.mu.Unlock()
		}
		calls = []awsCall{c}
	case "dynamodb":
		calls = dynamoCalls(c, body)
	case "secretsmanager":
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		c.Secret = in.SecretId
		calls = []awsCall{c}
	case "sqs":
		var in struct{ QueueUrl, QueueName string }
		_ = json.Unmarshal(body, &in)
		c.Queue = in.QueueUrl + in.QueueName
		calls = []awsCall{c}
	default:
		calls = []awsCall{c}
	}
	if keep {
		r.mu.Lock()
		r.calls = append(r.calls, calls...)
		r.mu.Unlock()
	}
}

// attrValue is a DynamoDB attribute value as JSON; only strings are keys here.
type attrValue struct{ S string }

// dynamoCalls reads the table, index and partition keys of a DynamoDB call: one call per
// table (a BatchWriteItem may name several).
func dynamoCalls(c awsCall, body []byte) []awsCall {
	var in struct {
		TableName, IndexName      string
		Key, Item                 map[string]attrValue
		KeyConditionExpression    string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues map[string]attrValue
		RequestItems              map[string][]struct {
			PutRequest    *struct{ Item map[string]attrValue }
			DeleteRequest *struct{ Key map[string]attrValue }
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		c.Action += " (unparsed: " + err.Error() + ")"
		return []awsCall{c}
	}
	keyOf := func(item map[string]attrValue) string {
		if v, ok := item[resourcenames.AttrPK]; ok {
			return v.S
		}
		return item[resourcenames.AttrClientID].S
	}
	c.Table, c.Index = in.TableName, in.IndexName
	switch c.Action {
	case "GetItem", "DeleteItem", "UpdateItem":
		c.PartitionKeys = []string{keyOf(in.Key)}
	case "PutItem":
		c.PartitionKeys = []string{keyOf(in.Item)}
	case "Query":
		for _, m := range keyEqualityRe.FindAllStringSubmatch(in.KeyConditionExpression, -1) {
			if partitionKeyAttrs[in.ExpressionAttributeNames[m[1]]] {
				c.PartitionKeys = append(c.PartitionKeys, in.ExpressionAttributeValues[m[2]].S)
			}
		}
	case "BatchWriteItem":
		var out []awsCall
		for table, reqs := range in.RequestItems {
			bc := c
			bc.Table = table
			for _, w := range reqs {
				switch {
				case w.PutRequest != nil:
					bc.PartitionKeys = append(bc.PartitionKeys, keyOf(w.PutRequest.Item))
				case w.DeleteRequest != nil:
					bc.PartitionKeys = append(bc.PartitionKeys, keyOf(w.DeleteRequest.Key))
				}
			}
			out = append(out, bc)
		}
		return out
	}
	return []awsCall{c}
}

// snapshotRoles returns what was recorded so far: the calls, the brand of each session's access key, the
// AssumeRole calls, and the role each session's access key came from.
func (r *awsRecorder) snapshotRoles() ([]awsCall, map[string]string, []assumed, map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sessions := make(map[string]string, len(r.sessions))
	for k, v := range r.sessions {
		sessions[k] = v
	}
	roles := make(map[string]string, len(r.roles))
	for k, v := range r.roles {
		roles[k] = v
	}
	return append([]awsCall(nil), r.calls...), sessions, append([]assumed(nil), r.assumed...), roles
}
