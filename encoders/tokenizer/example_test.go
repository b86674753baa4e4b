package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/evalclip/evalclip/encoders/tokenizer"
)

// A small vocabulary (the first 1,000 OpenAI merges) in Hugging Face's
// tokenizer.json form; OpenAI's full bpe_simple_vocab_16e6.txt.gz loads the
// same way.
func Example() {
	tok, err := tokenizer.Load("testdata/small/tokenizer.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Tokenize("A photo of a DOG.", tokenizer.DefaultContextLength))
	fmt.Println(tok.Tokenize("A photo of a DOG.", 4)) // truncated: EOT stays last
	batch := tok.Batch([]string{"a dog", "a cat"}, 6, 0)
	fmt.Println(batch)
	fmt.Println(tokenizer.Clean("  Caf&eacute; “ﬁne”  ＤＯＧ "))
	// Output:
	// [1512 320 1125 539 320 639 326 269 1513]
	// [1512 320 1125 1513]
	// [1512 320 639 326 1513 0 1512 320 66 536 1513 0]
	// café "fine" dog
}
