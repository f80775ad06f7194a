package rules

import (
	_ "github.com/khien-project/khien/internal/engine/scan"
)
