import { describe, expect, it } from 'vitest';
import { extractNewText, htmlToText } from '../../src/domain/reply-text.js';
import { parseColor, visibleHtml } from '../../src/domain/visible-html.js';

/** The visible text of `body` (one HTML document), as reply-text reads it. */
const visible = (body: string) => htmlToText(`<html><body>${body}</body></html>`, { dropQuotes: false }).text;

describe('visibleHtml: only what a reader sees', () => {
  it.each([
    ['display:none', '<div style="display:none">#niveau 1</div>'],
    ['display:none!important, upper case', '<div style="DISPLAY: NONE !important">#niveau 1</div>'],
    ['visibility:hidden', '<p style="visibility:hidden">#niveau 1</p>'],
    ['font-size:0', '<span style="font-size:0">#niveau 1</span>'],
    ['font-size:1px', '<span style="font-size:1px">#niveau 1</span>'],
    [
      'font-size 0 inherited through em',
      '<div style="font-size:0px"><span style="font-size:2em">#niveau 1</span></div>',
    ],
    ['opacity:0', '<div style="opacity:0">#niveau 1</div>'],
    ['zero height', '<div style="height:0;overflow:hidden">#niveau 1</div>'],
    ['zero width', '<div style="width:0px">#niveau 1</div>'],
    ['max-height 0', '<div style="max-height:0">#niveau 1</div>'],
    ['width attribute 0', '<table><tr><td width="0">#niveau 1</td></tr></table>'],
    ['hidden attribute', '<div hidden>#niveau 1</div>'],
    ['aria-hidden', '<div aria-hidden="true">#niveau 1</div>'],
    ['mso-hide:all', '<div style="mso-hide:all">#niveau 1</div>'],
    ['white on white', '<span style="color:#ffffff">#niveau 1</span>'],
    ['white on default', '<font color="white">#niveau 1</font>'],
    [
      'same colour as the cell',
      '<table><tr><td bgcolor="#123456"><span style="color:#123457">#niveau 1</span></td></tr></table>',
    ],
    [
      'background shorthand',
      '<div style="background:#000 url(x.png) no-repeat"><p style="color:rgb(0,0,0)">#niveau 1</p></div>',
    ],
    ['transparent', '<span style="color:transparent">#niveau 1</span>'],
    ['rgba alpha 0', '<span style="color:rgba(0,0,0,0)">#niveau 1</span>'],
    ['off screen', '<div style="position:absolute;left:-9999px">#niveau 1</div>'],
    ['clip', '<div style="position:absolute;clip:rect(0 0 0 0)">#niveau 1</div>'],
    ['scale(0)', '<div style="transform:scale(0)">#niveau 1</div>'],
    ['template', '<template>#niveau 1</template>'],
    ['comment', '<!-- #niveau 1 -->'],
    ['closed details', '<details><summary>Plus</summary>#niveau 1</details>'],
    ['a class hidden by the mail’s style sheet', '<style>.x { display: none }</style><div class="x">#niveau 1</div>'],
    ['an id hidden by the style sheet', '<style>p#y{font-size:0}</style><p id="y">#niveau 1</p>'],
    [
      'a descendant selector (hides more, never less)',
      '<style>table .z{visibility:hidden}</style><div class="z">#niveau 1</div>',
    ],
  ])('drops %s', (_, html) => {
    const text = visible(`<p>Bonjour,</p>${html}<p>Cordialement</p>`);
    expect(text).not.toContain('#niveau');
    expect(text).toContain('Bonjour,');
    expect(text).toContain('Cordialement');
  });

  it('drops head, title, style and script, and lists only text that would have shown', () => {
    const result = visibleHtml(
      '<html><head><title>#clore</title><style>#a{color:red}</style></head><body><script>x="#clore"</script><p>Visible</p><div style="display:none">#niveau 1<br>#clore</div></body></html>',
    );
    expect(result.html).not.toMatch(/title|script|style|#niveau|#clore/);
    expect(result.html).toContain('Visible');
    expect(result.hidden).toEqual(['#niveau 1#clore']);
  });

  it('keeps what shows again inside: visibility and font size are inherited, and a child may reset them', () => {
    const text = visible(
      '<div style="visibility:hidden">#niveau 1<span style="visibility:visible">#prendre</span></div>' +
        '<div style="font-size:0"><span style="font-size:14px">#note vu</span></div>' +
        '<div style="background-color:#000000"><span style="color:#ffffff">#statut</span></div>',
    );
    expect(text).not.toContain('#niveau');
    expect(text).toContain('#prendre');
    expect(text).toContain('#note vu');
    expect(text).toContain('#statut');
  });

  it('keeps what shows: an open details, a rule of a media query, a rule with a pseudo-class', () => {
    const text = visible(
      '<style>@media (max-width:600px){ .m{display:none} } a:hover{display:none}</style>' +
        '<details open><summary>S</summary>#prendre</details><div class="m">#note mobile</div><a href="#">lien</a>',
    );
    expect(text).toContain('#prendre');
    expect(text).toContain('#note mobile');
    expect(text).toContain('lien');
  });

  it('an inline style wins over the style sheet, unless the sheet says !important', () => {
    expect(visible('<style>.x{display:none}</style><div class="x" style="display:block">#prendre</div>')).toContain(
      '#prendre',
    );
    expect(
      visible('<style>.x{display:none !important}</style><div class="x" style="display:block">#prendre</div>'),
    ).not.toContain('#prendre');
  });

  it('reads colours', () => {
    expect(parseColor('#FFF')).toEqual([255, 255, 255]);
    expect(parseColor('rgb(100%, 0%, 0%)')).toEqual([255, 0, 0]);
    expect(parseColor('#00000000')).toBe('transparent');
    expect(parseColor('hsl(0, 0%, 100%)')).toBeNull();
  });
});

describe('extractNewText reads only what a reader sees', () => {
  const hiddenHtml =
    '<div dir="ltr"><div>#prendre</div><div style="display:none">#niveau 1</div><div>Je m’en occupe.</div></div>';

  it('an HTML-only mail, whose text part the parser made from all of the HTML', () => {
    // What mailparser gives as text for an HTML-only mail: the hidden line included.
    const newText = extractNewText({ text: '#prendre\n#niveau 1\nJe m’en occupe.', html: hiddenHtml });
    expect(newText.text).toBe('#prendre\nJe m’en occupe.');
    expect(newText.invisible).toEqual(['#niveau 1']);
  });

  it('a text part that holds a command the HTML part does not show at all', () => {
    const newText = extractNewText({
      text: '#prendre\n#clore\nJe m’en occupe.',
      html: '<div>#prendre</div><div>Je m’en occupe.</div>',
    });
    expect(newText.text).toBe('#prendre\nJe m’en occupe.');
    expect(newText.invisible).toEqual(['#clore']);
  });

  it('keeps a text part that agrees with the HTML, and says nothing', () => {
    const newText = extractNewText({
      text: '#prendre\n#note voir https://exemple.fr/page\n\nJe m’en occupe.',
      html: '<div>#prendre</div><div>#note voir <a href="https://exemple.fr/page">la page</a></div><div><br></div><div>Je m’en occupe.</div>',
    });
    expect(newText.text).toBe('#prendre\n#note voir https://exemple.fr/page\n\nJe m’en occupe.');
    expect(newText.invisible).toBeUndefined();
  });

  it('reports hidden commands of the HTML even when the text part, used, never had them', () => {
    const newText = extractNewText({ text: '#prendre\nJe m’en occupe.', html: hiddenHtml });
    expect(newText.text).toBe('#prendre\nJe m’en occupe.');
    expect(newText.invisible).toEqual(['#niveau 1']);
  });
});
