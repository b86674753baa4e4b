package imageproc

import (
	"strings"
	"testing"
)

// TestResolvePrecedence: suite overrides > the model's file > the tower's
// input shape > the backend's defaults.
func TestResolvePrecedence(t *testing.T) {
	half := [3]float32{0.5, 0.5, 0.5}
	file := Config{Size: 336, Resize: ResizeSquash, Interpolation: Bilinear, Mean: half, Std: half}
	tv := TorchvisionImageNet()
	cases := []struct {
		name string
		src  Sources
		want Config
		err  string
	}{
		{"defaults", Sources{Defaults: Default()}, Default(), ""},
		{"input shape sizes the defaults", Sources{Defaults: Default(), InputSize: 32},
			Config{Size: 32, Resize: ResizeShortest, Interpolation: Bicubic, Mean: OpenAIMean, Std: OpenAIStd}, ""},
		{"file beats defaults", Sources{Defaults: Default(), File: &file}, file, ""},
		{"file beats input shape (and must agree with it)", Sources{Defaults: Default(), File: &file, InputSize: 224}, file,
			"the tower takes 224x224 images but the preprocessing makes 336x336"},
		{"overrides beat the file", Sources{Defaults: Default(), File: &file, Overrides: Overrides{Size: 224, Interpolation: Bicubic, Resize: ResizeShortest, Mean: &OpenAIMean}},
			Config{Size: 224, Resize: ResizeShortest, Interpolation: Bicubic, Mean: OpenAIMean, Std: half}, ""},
		{"override size beats input shape", Sources{Defaults: Default(), InputSize: 32, Overrides: Overrides{Size: 64}}, Default(),
			"the tower takes 32x32 images but the preprocessing makes 64x64"},
		{"image-only defaults keep their resize above the input size", Sources{Defaults: tv, InputSize: 32},
			Config{Size: 32, ResizeSize: 256, Resize: ResizeShortest, Interpolation: Bilinear, Mean: ImageNetMean, Std: ImageNetStd}, ""},
		{"a crop above the inherited resize drops it", Sources{Defaults: tv, Overrides: Overrides{Size: 384}},
			Config{Size: 384, Resize: ResizeShortest, Interpolation: Bilinear, Mean: ImageNetMean, Std: ImageNetStd}, ""},
		{"resize override", Sources{Defaults: tv, Overrides: Overrides{Size: 32, ResizeSize: 36}},
			Config{Size: 32, ResizeSize: 36, Resize: ResizeShortest, Interpolation: Bilinear, Mean: ImageNetMean, Std: ImageNetStd}, ""},
		{"std override", Sources{Defaults: Default(), Overrides: Overrides{Std: &half}},
			Config{Size: 224, Resize: ResizeShortest, Interpolation: Bicubic, Mean: OpenAIMean, Std: half}, ""},
		{"bad result", Sources{Defaults: Default(), Overrides: Overrides{Resize: "longest"}}, Config{},
			`unknown resize mode "longest" (expected "shortest" or "squash")`},
	}
	for _, c := range cases {
		got, err := Resolve(c.src)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v\nwant %+v", c.name, got, err, c.want)
		}
	}
}

func TestEnumText(t *testing.T) {
	var m ResizeMode
	if err := m.UnmarshalText([]byte("squash")); err != nil || m != ResizeSquash {
		t.Errorf("squash: %v %v", m, err)
	}
	var i Interpolation
	if err := i.UnmarshalText([]byte("lanczos")); err == nil || err.Error() != `unknown interpolation "lanczos" (expected "bicubic" or "bilinear")` {
		t.Errorf("lanczos: %v", err)
	}
}
