package survey

import (
	"context"
	"errors"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// Sharing: an assessment's owner (or an admin) shares it — every round of its team, the
// ones to come included — with other facilitators, as co-facilitators (everything but
// deleting it and managing who it is shared with) or viewers (they read it). Who may do
// what is decided in one place, accessTo; this file only changes who is on the list.

// Members lists who has access to assessment id: its owner, then the facilitators its
// team's rounds are shared with. Anyone who may read the assessment may see the list.
func (s *Service) Members(ctx context.Context, actor *assessment.Facilitator, id int64) ([]assessment.Member, error) {
	a, err := s.owned(ctx, s.store, actor, id, assessment.ReadAccess)
	if err != nil {
		return nil, err
	}
	return s.store.Members(ctx, a.SeriesID, a.FacilitatorID)
}

// Share shares actor's assessment id with the facilitator whose account has email, as
// role (assessment.MemberCoFacilitator or MemberViewer). Sharing with someone it is
// shared with already sets their role (created false): sending the same request twice
// changes nothing more. A bad e-mail or role is a validation error naming the field;
// sharing with the owner or with oneself is assessment.ErrOwnAssessment.
func (s *Service) Share(ctx context.Context, actor *assessment.Facilitator, id int64, email, role string) (m *assessment.Member, created bool, err error) {
	problems := &assessment.ValidationError{}
	if !assessment.ValidMemberRole(role) {
		problems.Add("role", assessment.CodeInvalid)
	}
	email = assessment.NormalizeEmail(email)
	var to *assessment.Facilitator
	if email == "" {
		problems.Add("email", assessment.CodeRequired)
	} else if to, err = s.store.FacilitatorByEmail(ctx, email); err != nil && !isNotFound(err) {
		return nil, false, err
	}
	if email != "" && (to == nil || to.DeactivatedAt != nil) {
		// No such account, or one that cannot sign in: it could not use the access.
		problems.Add("email", assessment.CodeUnknown)
	}
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.owned(ctx, tx, actor, id, assessment.ManageAccess)
		if err != nil {
			return err
		}
		if err := problems.OrNil(); err != nil {
			return err
		}
		if to.ID == actor.ID || a.FacilitatorID != nil && *a.FacilitatorID == to.ID {
			return assessment.ErrOwnAssessment
		}
		if created, err = tx.PutMember(ctx, a.SeriesID, to.ID, role); errors.Is(err, storage.ErrAccountInactive) {
			// Deactivated since it was looked up: the statement refused it.
			problems.Add("email", assessment.CodeUnknown)
			return problems
		} else if err != nil {
			return err
		}
		m = &assessment.Member{FacilitatorID: to.ID, Email: to.Email, Name: to.Name, Role: role}
		return audit(ctx, tx, actor, assessment.AuditMemberAdded, &a.ID, to.Email+" ("+role+")")
	})
	if err != nil {
		return nil, false, err
	}
	return m, created, nil
}

// Unshare stops sharing actor's assessment id (every round of its team) with
// facilitator facilitatorID; assessment.ErrNotFound when it was not shared with them.
func (s *Service) Unshare(ctx context.Context, actor *assessment.Facilitator, id, facilitatorID int64) error {
	return s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.owned(ctx, tx, actor, id, assessment.ManageAccess)
		if err != nil {
			return err
		}
		members, err := tx.Members(ctx, a.SeriesID, nil)
		if err != nil {
			return err
		}
		if err := tx.RemoveMember(ctx, a.SeriesID, facilitatorID); err != nil {
			return err
		}
		who := ""
		for _, m := range members {
			if m.FacilitatorID == facilitatorID {
				who = m.Email
			}
		}
		return audit(ctx, tx, actor, assessment.AuditMemberRemoved, &a.ID, who)
	})
}

// AccessTo tells what actor may do with assessment a, for showing or hiding controls and
// the join code (every use case checks again). It fails closed: when the access cannot
// be read, it is NoAccess, so nothing more than the page already shows is offered.
func (s *Service) AccessTo(ctx context.Context, actor *assessment.Facilitator, a *assessment.Assessment) assessment.Access {
	has, err := accessTo(ctx, s.store, actor, a)
	if err != nil {
		return assessment.NoAccess
	}
	return has
}
