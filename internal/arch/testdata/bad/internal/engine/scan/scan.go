package scan

import (
	_ "github.com/khien-project/khien/internal/engine/scan/sub"
	_ "github.com/khien-project/khien/internal/platform/store"
)
