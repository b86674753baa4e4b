package imageproc

import "testing"

func TestResizeSizeBeforeCrop(t *testing.T) {
	c := Default()
	if w, h := c.ResizedSize(500, 375); w != 298 || h != 224 {
		t.Errorf("CLIP 224 of 500x375: %dx%d", w, h)
	}
	tv := TorchvisionImageNet()
	if w, h := tv.ResizedSize(500, 375); w != 341 || h != 256 {
		t.Errorf("torchvision 256 of 500x375: %dx%d", w, h)
	}
	tv.Resize = ResizeSquash
	if w, h := tv.ResizedSize(500, 375); w != 256 || h != 256 {
		t.Errorf("squash: %dx%d", w, h)
	}
	bad := Default()
	bad.ResizeSize = 100
	if bad.Validate() == nil {
		t.Error("resize smaller than the crop accepted")
	}
}
