package survey

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// Once makes a write idempotent: a client sends a key of its choosing (an
// Idempotency-Key header) with the request; sent again with the same key and the same
// request within storage.IdempotencyLifetime (a retry after a timeout), the write is
// answered as the first time and stores nothing new, so a retried submission never
// counts one person twice. The same key with another request is refused
// (ErrKeyReused).
//
// The key is not stored. Its hash finds the record, and the secret in the answer (a new
// response's resume token) is stored sealed under the key, so that whoever holds the
// database cannot read it back; a random key (a UUID) keeps it so.
type Once struct {
	// Key is the client's key: 1 to 255 visible ASCII characters (ValidKey).
	Key string
	// Request identifies what was asked: the same key with another Request is refused.
	// The web layer gives a hash of the method, the path and the body.
	Request string
}

// ErrKeyReused: an idempotency key came again with another request than its first.
var ErrKeyReused = errors.New("survey: this idempotency key was used for another request")

// ValidKey reports whether key can be an idempotency key: 1 to 255 characters, each
// visible ASCII or a space.
func ValidKey(key string) bool {
	if key == "" || len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// onceScope is the key space of a round's respondents: a key means the same thing only
// among the people answering one assessment.
func onceScope(round *Round) string { return "responses:" + strconv.FormatInt(round.ID, 10) }

// derive makes the record's lookup hash and sealing key from the client's key.
func (o *Once) derive(scope string) (lookup string, sealKey []byte) {
	h := sha256.Sum256([]byte("ecat idempotency lookup\x00" + scope + "\x00" + o.Key))
	k := sha256.Sum256([]byte("ecat idempotency seal\x00" + scope + "\x00" + o.Key))
	return hex.EncodeToString(h[:]), k[:]
}

func (o *Once) requestHash() string {
	h := sha256.Sum256([]byte(o.Request))
	return hex.EncodeToString(h[:])
}

// seal encrypts secret under key (AES-256-GCM, a random nonce before the ciphertext).
func seal(key []byte, secret string) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), nil)), nil
}

// unseal opens what seal made.
func unseal(key []byte, sealed string) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("survey: a sealed idempotent answer is damaged")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("survey: a sealed idempotent answer does not open with its key")
	}
	return string(plain), nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Replayed returns what a new response sent with once to round was answered the first
// time, if it was within storage.IdempotencyLifetime: the same resume token and status,
// with Replayed set. It returns nil, nil when the key is new, and ErrKeyReused when it
// came first with another request.
func (s *Service) Replayed(ctx context.Context, round *Round, once *Once) (*Saved, error) {
	w, token, err := s.recall(ctx, onceScope(round), once)
	if w == nil || err != nil {
		return nil, err
	}
	return &Saved{Token: token, Status: assessment.ResponseStatus(w.Status), Replayed: true, Version: 1}, nil
}

// recall finds the write remembered under once's key in scope within its lifetime, and
// opens its sealed answer: nil when there is none, ErrKeyReused when the key came first
// with another request. A reservation still pending is returned unopened.
func (s *Service) recall(ctx context.Context, scope string, once *Once) (*storage.IdempotentWrite, string, error) {
	lookup, key := once.derive(scope)
	w, err := s.store.IdempotentWriteOf(ctx, scope, lookup, s.now().Add(-storage.IdempotencyLifetime))
	switch {
	case errors.Is(err, assessment.ErrNotFound):
		return nil, "", nil
	case err != nil:
		return nil, "", err
	case w.RequestHash != once.requestHash():
		return nil, "", ErrKeyReused
	case w.Status == storage.IdempotencyPending:
		return w, "", nil
	}
	plain, err := unseal(key, w.Sealed)
	if err != nil {
		return nil, "", err
	}
	return w, plain, nil
}

// onceRecord is the record to store with a new response's write.
func (o *Once) record(round *Round, token string, status assessment.ResponseStatus) (*storage.IdempotentWrite, error) {
	scope := onceScope(round)
	lookup, key := o.derive(scope)
	sealed, err := seal(key, token)
	if err != nil {
		return nil, err
	}
	return &storage.IdempotentWrite{Scope: scope, KeyHash: lookup, RequestHash: o.requestHash(), Status: string(status), Sealed: sealed}, nil
}

// Reply is the answer of a facilitator's write, kept for replays: its HTTP status, the
// Location of what it created, and its body.
type Reply struct {
	Status   int    `json:"status"`
	Location string `json:"location"`
	Body     []byte `json:"body"`
	// ETag is the entity tag of what it created, as it was then.
	ETag string `json:"etag,omitempty"`
}

// ErrKeyInProgress: a write with this idempotency key is still running (a copy of the
// request sent before its answer came); send it again in a moment.
var ErrKeyInProgress = errors.New("survey: a write with this idempotency key is still running")

// Idempotent runs a facilitator's write (creating an assessment, an action, the next
// round) at most once per key of theirs (see Once): the first request reserves the key,
// runs write and keeps its reply; the same request again gets that reply (replayed set)
// and runs nothing; the key with another request is ErrKeyReused, and one whose first
// write is still running ErrKeyInProgress. A write that fails keeps nothing: the request
// may be sent again.
func (s *Service) Idempotent(ctx context.Context, actor *assessment.Facilitator, once *Once, write func() (*Reply, error)) (reply *Reply, replayed bool, err error) {
	if actor == nil {
		return nil, false, assessment.ErrNotFound
	}
	scope := "facilitator:" + strconv.FormatInt(actor.ID, 10)
	lookup, key := once.derive(scope)
	replay := func() (*Reply, error) {
		w, plain, err := s.recall(ctx, scope, once)
		switch {
		case w == nil || err != nil:
			return nil, err
		case w.Status == storage.IdempotencyPending && w.CreatedAt.After(s.now().Add(-storage.IdempotencyAbandoned)):
			return nil, ErrKeyInProgress
		case w.Status == storage.IdempotencyPending:
			return nil, nil // abandoned: reserving it again takes it over
		}
		var r Reply
		if err := json.Unmarshal([]byte(plain), &r); err != nil {
			return nil, err
		}
		return &r, nil
	}
	if r, err := replay(); r != nil || err != nil {
		return r, r != nil, err
	}
	w := &storage.IdempotentWrite{Scope: scope, KeyHash: lookup, RequestHash: once.requestHash()}
	if err := s.store.ReserveIdempotencyKey(ctx, w); err != nil {
		if errors.Is(err, storage.ErrIdempotencyTaken) {
			// Another copy reserved it meanwhile: its answer, or "in progress".
			if r, err := replay(); r != nil || err != nil {
				return r, r != nil, err
			}
			return nil, false, ErrKeyInProgress
		}
		return nil, false, err
	}
	release := func() {
		if rerr := s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), scope, lookup); rerr != nil {
			s.log.Error("could not release an idempotency key", "error", rerr.Error())
		}
	}
	reply, err = func() (*Reply, error) {
		defer func() {
			if p := recover(); p != nil {
				release() // the request failed: it may be sent again
				panic(p)
			}
		}()
		return write()
	}()
	if err != nil {
		release()
		return nil, false, err
	}
	plain, err := json.Marshal(reply)
	if err != nil {
		return nil, false, err
	}
	sealed, err := seal(key, string(plain))
	if err == nil {
		err = s.store.CompleteIdempotencyKey(context.WithoutCancel(ctx), scope, lookup, strconv.Itoa(reply.Status), sealed)
	}
	if err != nil {
		// The write is done and answered; only its replay is lost (a copy sent later
		// would find the key still reserved, and be told it is in progress).
		s.log.Error("could not keep an idempotent answer", "error", err.Error())
	}
	return reply, false, nil
}
