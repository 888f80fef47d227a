package storage

import "gorm.io/gorm"

// RawDB gives the tests the store's gorm handle, for pragmas, fault injection and raw
// SQL that the repositories deliberately do not offer (deleting an assessment, setting
// the schema version). It exists in test builds only.
func RawDB(s *Store) *gorm.DB { return s.db }
