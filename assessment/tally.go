package assessment

import (
	"cmp"
	"strings"
)

// Tallies are an assessment's submitted responses as counted by the database: what the
// report is computed from. Drafts never appear here.
type Tallies struct {
	// Submitted counts submitted responses per pillar key.
	Submitted map[string]int
	// Items holds one entry per pillar, item and answer value that occurs.
	Items []ItemCount
	// Named holds every key strength and opportunity text, with its pillar and theme, in
	// content order (CompareNamed).
	Named []NamedText
	// Reflections holds every non-empty reflection text, with its pillar and prompt, in
	// content order (CompareReflections).
	Reflections []ReflectionText
}

// Texts are listed in content order, never in the order people answered: listed as they
// came, one person's strength, opportunity and reflections would stand at the same place
// in each list and could be read together, and the latest submission would be last.

// CompareNamed orders named texts by their content: by text, then theme. Two texts equal
// by it are alike in everything a list of one pillar and kind shows.
func CompareNamed(a, b NamedText) int {
	return cmp.Or(strings.Compare(a.Text, b.Text), strings.Compare(a.Theme, b.Theme))
}

// CompareReflections orders reflections by their content: by prompt, then text.
func CompareReflections(a, b ReflectionText) int {
	return cmp.Or(strings.Compare(a.PromptID, b.PromptID), strings.Compare(a.Text, b.Text))
}

// ItemCount is how many submitted responses of a pillar gave one answer to one item.
type ItemCount struct {
	Pillar string
	ItemID string
	Answer Answer
	N      int
}

// Kinds of named text.
const (
	KindStrength    = "strength"
	KindOpportunity = "opportunity"
)

// NamedText is one respondent's key strength or opportunity, verbatim.
type NamedText struct {
	Pillar string `json:"pillar"`
	Kind   string `json:"kind"`  // KindStrength or KindOpportunity
	Theme  string `json:"theme"` // "" when none was chosen
	Text   string `json:"text"`
}

// NamedCount is how many submitted responses of a pillar named a key strength or
// opportunity (Kind) and tied it to Theme ("" for none): the texts counted, never read.
// The organization's roll-up counts named themes this way, without any text.
type NamedCount struct {
	Pillar string
	Kind   string // KindStrength or KindOpportunity
	Theme  string
	N      int
}

// ReflectionText is one respondent's answer to a reflection prompt, verbatim.
type ReflectionText struct {
	Pillar   string `json:"pillar"`
	PromptID string `json:"prompt_id"`
	Text     string `json:"text"`
}

// PillarCounts is how many responses of each status one pillar has: the completion a
// facilitator watches. Drafts are never reported anywhere else.
type PillarCounts struct {
	Submitted int
	Drafts    int
}

// Listed is an assessment with its completion per pillar key.
type Listed struct {
	Assessment
	Counts map[string]PillarCounts
	// SharedAs is the lister's member role when the assessment is shared with them
	// (MemberCoFacilitator or MemberViewer); empty for their own, and for the rounds an
	// admin sees as admin.
	SharedAs string
}

// Access is the lister's access to the listed assessment: a member's role's, or, for
// their own and the rounds an admin sees as admin, ManageAccess.
func (l *Listed) Access() Access {
	switch l.SharedAs {
	case "":
		return ManageAccess
	case MemberCoFacilitator:
		return ChangeAccess
	case MemberViewer:
		return ReadAccess
	}
	return NoAccess
}
