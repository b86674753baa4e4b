package pull

import "github.com/evalclip/evalclip/encoders"

func specAt(dir string) encoders.Spec { return encoders.Spec{Name: "pulled", Path: dir} }
