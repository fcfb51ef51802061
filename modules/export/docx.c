/*
 * DOCX renderer: WordprocessingML written with libxml2's xmlTextWriter,
 * packed with libzip. Word's built-in styles (Title, Heading1, Heading2,
 * Normal, Table Grid), tables with a repeated header row (w:tblHeader),
 * charts as PNG images (cairo) in word/media, a header (title, and the
 * watermark text when set) and a footer with the page number field.
 */
#include "render.h"
#include "apr_strings.h"
#include <libxml/xmlwriter.h>
#include <zip.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define R_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define EMU_PER_PT 12700
#define CHART_W 480
#define CHART_H 240
#define TEXT_TWIPS 9638     /* A4 minus 2 cm margins each side */
#define CELL_HALF_POINTS 18 /* table text: 9 pt (body 10 pt), so wide tables fit as in the PDF */

typedef struct {
    apr_pool_t *p;
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
} xw_t;

static apr_status_t free_writer(void *d)
{
    xw_t *x = d;
    if (x->w) {
        xmlFreeTextWriter(x->w);
    }
    if (x->buf) {
        xmlBufferFree(x->buf);
    }
    return APR_SUCCESS;
}

static apr_status_t discard_zip(void *z)
{
    zip_discard(z);
    return APR_SUCCESS;
}

static xw_t *xw_new(apr_pool_t *p)
{
    xw_t *x = apr_pcalloc(p, sizeof(*x));
    x->p = p;
    x->buf = xmlBufferCreate();
    x->w = xmlNewTextWriterMemory(x->buf, 0);
    apr_pool_cleanup_register(p, x, free_writer, apr_pool_cleanup_null);
    xmlTextWriterStartDocument(x->w, NULL, "UTF-8", "yes");
    return x;
}

/* Ends the document; the text stays valid until the pool is cleared. */
static const char *xw_done(xw_t *x, size_t *len)
{
    xmlTextWriterEndDocument(x->w);
    xmlTextWriterFlush(x->w);
    *len = (size_t)xmlBufferLength(x->buf);
    return apr_pmemdup(x->p, xmlBufferContent(x->buf), *len + 1);
}

#define S(x, name) xmlTextWriterStartElement((x)->w, (const xmlChar *)(name))
#define E(x) xmlTextWriterEndElement((x)->w)
#define A(x, name, v) xmlTextWriterWriteAttribute((x)->w, (const xmlChar *)(name), (const xmlChar *)(v))

/* t without the characters XML 1.0 forbids (C0 controls but tab; CR and LF too). */
static const char *xml_safe(apr_pool_t *p, const char *t)
{
    const char *s = t ? t : "";
    if (strpbrk(s, "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
                   "\x1a\x1b\x1c\x1d\x1e\x1f\r\n")) {
        char *c = apr_pstrdup(p, s);
        for (char *q = c; *q; q++) {
            if ((unsigned char)*q < 0x20 && *q != '\t') {
                *q = ' ';
            }
        }
        s = c;
    }
    return s;
}

static void text(xw_t *x, const char *t)
{
    xmlTextWriterWriteString(x->w, (const xmlChar *)xml_safe(x->p, t));
}

/* A run; half_points > 0 sets the font size (w:sz, in half points). */
static void run_sized(xw_t *x, const char *t, int bold, int half_points)
{
    S(x, "w:r");
    if (bold || half_points > 0) {
        S(x, "w:rPr");
        if (bold) {
            S(x, "w:b");
            E(x);
        }
        if (half_points > 0) {
            const char *v = apr_itoa(x->p, half_points);
            S(x, "w:sz");
            A(x, "w:val", v);
            E(x);
            S(x, "w:szCs");
            A(x, "w:val", v);
            E(x);
        }
        E(x);
    }
    S(x, "w:t");
    A(x, "xml:space", "preserve");
    text(x, t);
    E(x);
    E(x);
}

static void run(xw_t *x, const char *t, int bold)
{
    run_sized(x, t, bold, 0);
}

static void para(xw_t *x, const char *style, const char *t, int bold)
{
    S(x, "w:p");
    if (style) {
        S(x, "w:pPr");
        S(x, "w:pStyle");
        A(x, "w:val", style);
        E(x);
        E(x);
    }
    run(x, t, bold);
    E(x);
}

static void cell(xw_t *x, int twips, const char *t, int bold, int shade)
{
    S(x, "w:tc");
    S(x, "w:tcPr");
    S(x, "w:tcW");
    A(x, "w:w", apr_itoa(x->p, twips));
    A(x, "w:type", "dxa");
    E(x);
    if (shade) {
        S(x, "w:shd");
        A(x, "w:val", "clear");
        A(x, "w:color", "auto");
        A(x, "w:fill", "DCE3EF");
        E(x);
    }
    E(x);
    S(x, "w:p");
    run_sized(x, t, bold, CELL_HALF_POINTS);
    E(x);
    E(x);
}

static void table(xw_t *x, const mx_block_t *b)
{
    int tw[16];
    double total = 0;
    for (int k = 0; k < b->ncols; k++) {
        total += b->widths[k];
    }
    for (int k = 0; k < b->ncols; k++) {
        tw[k] = (int)(TEXT_TWIPS * b->widths[k] / total);
    }
    S(x, "w:tbl");
    S(x, "w:tblPr");
    S(x, "w:tblStyle");
    A(x, "w:val", "TableGrid");
    E(x);
    S(x, "w:tblW");
    A(x, "w:w", "5000");
    A(x, "w:type", "pct");
    E(x);
    /* cell padding as in the PDF (4 pt at the sides; Table Grid has none above and below) */
    S(x, "w:tblCellMar");
    {
        static const char *const sides[][2] = {
            {"w:top", "40"}, {"w:left", "80"}, {"w:bottom", "40"}, {"w:right", "80"}};
        for (int k = 0; k < 4; k++) {
            S(x, sides[k][0]);
            A(x, "w:w", sides[k][1]);
            A(x, "w:type", "dxa");
            E(x);
        }
    }
    E(x);
    E(x);
    S(x, "w:tblGrid");
    for (int k = 0; k < b->ncols; k++) {
        S(x, "w:gridCol");
        A(x, "w:w", apr_itoa(x->p, tw[k]));
        E(x);
    }
    E(x);
    /* rows never break across pages (as in the PDF); the header row repeats */
    S(x, "w:tr");
    S(x, "w:trPr");
    S(x, "w:cantSplit");
    E(x);
    S(x, "w:tblHeader");
    E(x);
    E(x);
    for (int k = 0; k < b->ncols; k++) {
        cell(x, tw[k], b->headers[k], 1, 1);
    }
    E(x);
    for (int r = 0; r < b->nrows; r++) {
        S(x, "w:tr");
        S(x, "w:trPr");
        S(x, "w:cantSplit");
        E(x);
        E(x);
        for (int k = 0; k < b->ncols; k++) {
            cell(x, tw[k], b->cells[r][k], 0, 0);
        }
        E(x);
    }
    E(x);
    if (b->nrows == 0 && b->text) {
        para(x, NULL, b->text, 0);
    }
    else {
        para(x, NULL, "", 0);
    }
}

static void image(xw_t *x, const char *rid, int n, const char *name, const char *descr)
{
    const char *cx = apr_itoa(x->p, CHART_W * EMU_PER_PT), *cy = apr_itoa(x->p, CHART_H * EMU_PER_PT);
    const char *id = apr_itoa(x->p, n);
    S(x, "w:p");
    S(x, "w:r");
    S(x, "w:drawing");
    S(x, "wp:inline");
    A(x, "distT", "0");
    A(x, "distB", "0");
    A(x, "distL", "0");
    A(x, "distR", "0");
    S(x, "wp:extent");
    A(x, "cx", cx);
    A(x, "cy", cy);
    E(x);
    S(x, "wp:docPr");
    A(x, "id", id);
    A(x, "name", name);
    if (descr && *descr) { /* alt text: the chart's title */
        A(x, "descr", xml_safe(x->p, descr));
    }
    E(x);
    S(x, "a:graphic");
    S(x, "a:graphicData");
    A(x, "uri", "http://schemas.openxmlformats.org/drawingml/2006/picture");
    S(x, "pic:pic");
    S(x, "pic:nvPicPr");
    S(x, "pic:cNvPr");
    A(x, "id", id);
    A(x, "name", name);
    E(x);
    S(x, "pic:cNvPicPr");
    E(x);
    E(x);
    S(x, "pic:blipFill");
    S(x, "a:blip");
    A(x, "r:embed", rid);
    E(x);
    S(x, "a:stretch");
    S(x, "a:fillRect");
    E(x);
    E(x);
    E(x);
    S(x, "pic:spPr");
    S(x, "a:xfrm");
    S(x, "a:off");
    A(x, "x", "0");
    A(x, "y", "0");
    E(x);
    S(x, "a:ext");
    A(x, "cx", cx);
    A(x, "cy", cy);
    E(x);
    E(x);
    S(x, "a:prstGeom");
    A(x, "prst", "rect");
    S(x, "a:avLst");
    E(x);
    E(x);
    E(x);
    E(x); /* pic:pic */
    E(x);
    E(x); /* a:graphic */
    E(x); /* wp:inline */
    E(x);
    E(x);
    E(x);
}

/* ------------------------------------------------------------ fixed parts */

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Default Extension=\"png\" ContentType=\"image/png\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
    "<Override PartName=\"/word/header1.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>"
    "<Override PartName=\"/word/footer1.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" "
    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
    "</Types>";

static const char root_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"word/document.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" "
    "Target=\"docProps/core.xml\"/>"
    "</Relationships>";

#define STYLE_FONT "<w:rFonts w:ascii=\"DejaVu Sans\" w:hAnsi=\"DejaVu Sans\" w:cs=\"DejaVu Sans\"/>"
static const char styles[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<w:styles xmlns:w=\"" W_NS "\">"
    "<w:docDefaults><w:rPrDefault><w:rPr>" STYLE_FONT "<w:sz w:val=\"20\"/><w:lang w:val=\"en-GB\"/>"
    "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" "
    "w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:qFormat/></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:rPr><w:b/><w:sz w:val=\"40\"/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/><w:outlineLvl w:val=\"0\"/></w:pPr>"
    "<w:rPr><w:b/><w:color w:val=\"1F3864\"/><w:sz w:val=\"34\"/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:spacing w:before=\"200\" w:after=\"80\"/><w:outlineLvl w:val=\"1\"/></w:pPr>"
    "<w:rPr><w:b/><w:color w:val=\"2F5496\"/><w:sz w:val=\"26\"/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Header\"><w:name w:val=\"header\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:rPr><w:color w:val=\"777777\"/><w:sz w:val=\"16\"/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Footer\"><w:name w:val=\"footer\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:rPr><w:color w:val=\"777777\"/><w:sz w:val=\"16\"/></w:rPr></w:style>"
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>"
    "<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>"
    "<w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/>"
    "<w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"
    "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/>"
    "<w:basedOn w:val=\"TableNormal\"/><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" "
    "w:lineRule=\"auto\"/></w:pPr>"
    "<w:tblPr><w:tblBorders><w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" "
    "w:color=\"auto\"/></w:tblBorders></w:tblPr></w:style>"
    "</w:styles>";

static int add(zip_t *z, const char *name, const void *data, size_t len)
{
    zip_source_t *src = zip_source_buffer(z, data, len, 0);
    if (!src) {
        return -1;
    }
    if (zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
        zip_source_free(src);
        return -1;
    }
    return 0;
}

static int add_xw(zip_t *z, const char *name, xw_t *x)
{
    size_t len;
    const char *s = xw_done(x, &len);
    return add(z, name, s, len);
}

static xw_t *part_start(apr_pool_t *p, const char *root)
{
    xw_t *x = xw_new(p);
    S(x, root);
    xmlTextWriterWriteAttribute(x->w, (const xmlChar *)"xmlns:w", (const xmlChar *)W_NS);
    xmlTextWriterWriteAttribute(x->w, (const xmlChar *)"xmlns:r", (const xmlChar *)R_NS);
    return x;
}

const char *mx_render_docx(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_progress_fn cb, void *ctx)
{
    int zerr = 0, images = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    xw_t *doc, *rels, *hdr, *ftr, *core;
    apr_array_header_t *pngs = apr_array_make(p, 2, sizeof(const char *));
    char now[32];
    time_t t = time(NULL);
    struct tm tm;

    if (!z) {
        zip_error_t e;
        const char *msg;
        zip_error_init_with_code(&e, zerr);
        msg = apr_pstrdup(p, zip_error_strerror(&e));
        zip_error_fini(&e);
        return apr_psprintf(p, "cannot create the DOCX: %s", msg);
    }
    apr_pool_cleanup_register(p, z, discard_zip, apr_pool_cleanup_null);
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);

    doc = part_start(p, "w:document");
    xmlTextWriterWriteAttribute(
        doc->w, (const xmlChar *)"xmlns:wp",
        (const xmlChar *)"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing");
    xmlTextWriterWriteAttribute(doc->w, (const xmlChar *)"xmlns:a",
                                (const xmlChar *)"http://schemas.openxmlformats.org/drawingml/2006/main");
    xmlTextWriterWriteAttribute(doc->w, (const xmlChar *)"xmlns:pic",
                                (const xmlChar *)"http://schemas.openxmlformats.org/drawingml/2006/picture");
    S(doc, "w:body");
    for (int i = 0; i < d->blocks->nelts; i++) {
        const mx_block_t *b = &((const mx_block_t *)d->blocks->elts)[i];
        switch (b->kind) {
        case MX_HEADING:
            para(doc, b->level == 1 ? "Heading1" : "Heading2", b->text, 0);
            break;
        case MX_PARAGRAPH:
            para(doc, NULL, b->text, 0);
            break;
        case MX_TABLE:
            table(doc, b);
            break;
        case MX_CHART: {
            unsigned char *png;
            size_t len;
            const char *err = mx_chart_png(p, b, CHART_W, CHART_H, &png, &len);
            char *name;
            if (err) {
                return err;
            }
            images++;
            name = apr_psprintf(p, "word/media/chart%d.png", images);
            if (add(z, name, png, len) != 0) {
                return "cannot add the chart to the DOCX";
            }
            *(const char **)apr_array_push(pngs) = name + 5;
            /* the PNG shows the title itself: no caption paragraph, the title is the alt text */
            image(doc, apr_psprintf(p, "rIdImg%d", images), images, apr_psprintf(p, "chart%d.png", images),
                  b->text);
            break;
        }
        }
        if (cb && (i % 16) == 15 &&
            cb(ctx, (i + 1) * 100 / d->blocks->nelts > 99 ? 99 : (i + 1) * 100 / d->blocks->nelts) != 0) {
            return MX_ABORTED;
        }
    }
    S(doc, "w:sectPr");
    S(doc, "w:headerReference");
    A(doc, "w:type", "default");
    A(doc, "r:id", "rIdHdr");
    E(doc);
    S(doc, "w:footerReference");
    A(doc, "w:type", "default");
    A(doc, "r:id", "rIdFtr");
    E(doc);
    S(doc, "w:pgSz");
    A(doc, "w:w", "11906");
    A(doc, "w:h", "16838");
    E(doc);
    S(doc, "w:pgMar");
    A(doc, "w:top", "1134");
    A(doc, "w:right", "1134");
    A(doc, "w:bottom", "1134");
    A(doc, "w:left", "1134");
    A(doc, "w:header", "567");
    A(doc, "w:footer", "567");
    A(doc, "w:gutter", "0");
    E(doc);
    E(doc); /* sectPr */
    E(doc); /* body */
    E(doc); /* document */

    /* word/_rels/document.xml.rels */
    rels = xw_new(p);
    S(rels, "Relationships");
    A(rels, "xmlns", "http://schemas.openxmlformats.org/package/2006/relationships");
    {
        static const char *const fixed[][3] = {
            {"rIdStyles", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
             "styles.xml"},
            {"rIdHdr", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header",
             "header1.xml"},
            {"rIdFtr", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer",
             "footer1.xml"},
        };
        for (int i = 0; i < 3; i++) {
            S(rels, "Relationship");
            A(rels, "Id", fixed[i][0]);
            A(rels, "Type", fixed[i][1]);
            A(rels, "Target", fixed[i][2]);
            E(rels);
        }
        for (int i = 0; i < pngs->nelts; i++) {
            S(rels, "Relationship");
            A(rels, "Id", apr_psprintf(p, "rIdImg%d", i + 1));
            A(rels, "Type", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image");
            A(rels, "Target", ((const char **)pngs->elts)[i]);
            E(rels);
        }
    }
    E(rels);

    hdr = part_start(p, "w:hdr");
    para(hdr, "Header", d->title, 0);
    if (d->watermark) {
        para(hdr, "Header", d->watermark, 1);
    }
    E(hdr);

    ftr = part_start(p, "w:ftr");
    S(ftr, "w:p");
    S(ftr, "w:pPr");
    S(ftr, "w:pStyle");
    A(ftr, "w:val", "Footer");
    E(ftr);
    E(ftr);
    run(ftr, apr_pstrcat(p, d->footer ? d->footer : "", d->footer && *d->footer ? " · " : "", "Page ", NULL),
        0);
    S(ftr, "w:fldSimple");
    A(ftr, "w:instr", " PAGE ");
    run(ftr, "1", 0);
    E(ftr);
    E(ftr);
    E(ftr);

    core = xw_new(p);
    S(core, "cp:coreProperties");
    A(core, "xmlns:cp", "http://schemas.openxmlformats.org/package/2006/metadata/core-properties");
    A(core, "xmlns:dc", "http://purl.org/dc/elements/1.1/");
    A(core, "xmlns:dcterms", "http://purl.org/dc/terms/");
    A(core, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
    S(core, "dc:title");
    text(core, d->title);
    E(core);
    if (d->subject && *d->subject) {
        S(core, "dc:subject");
        text(core, d->subject);
        E(core);
    }
    if (d->author && *d->author) {
        S(core, "dc:creator");
        text(core, d->author);
        E(core);
    }
    S(core, "dcterms:created");
    A(core, "xsi:type", "dcterms:W3CDTF");
    text(core, now);
    E(core);
    E(core);

    if (add(z, "[Content_Types].xml", content_types, sizeof(content_types) - 1) != 0 ||
        add(z, "_rels/.rels", root_rels, sizeof(root_rels) - 1) != 0 ||
        add_xw(z, "word/document.xml", doc) != 0 || add_xw(z, "word/_rels/document.xml.rels", rels) != 0 ||
        add(z, "word/styles.xml", styles, sizeof(styles) - 1) != 0 ||
        add_xw(z, "word/header1.xml", hdr) != 0 || add_xw(z, "word/footer1.xml", ftr) != 0 ||
        add_xw(z, "docProps/core.xml", core) != 0) {
        return apr_psprintf(p, "cannot build the DOCX: %s", zip_strerror(z));
    }
    if (zip_close(z) != 0) {
        return apr_psprintf(p, "writing the DOCX failed: %s", zip_strerror(z));
    }
    apr_pool_cleanup_kill(p, z, discard_zip);
    if (cb && cb(ctx, 100) != 0) {
        return MX_ABORTED;
    }
    return NULL;
}

/* ------------------------------------------------------------ CSV */

const char *mx_render_csv(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_progress_fn cb, void *ctx)
{
    const mx_block_t *tb = NULL;
    FILE *f;
    apr_pool_t *row;

    for (int i = 0; i < d->blocks->nelts && !tb; i++) {
        const mx_block_t *b = &((const mx_block_t *)d->blocks->elts)[i];
        if (b->kind == MX_TABLE) {
            tb = b;
        }
    }
    if (!tb) {
        return "the template has no table for CSV";
    }
    if (!(f = fopen(path, "wb"))) {
        return "cannot create the CSV file";
    }
    apr_pool_create(&row, p);
    for (int k = 0; k < tb->ncols; k++) {
        fputs(mx_csv_field(row, tb->headers[k]), f);
        fputs(k + 1 < tb->ncols ? "," : "\r\n", f);
    }
    for (int r = 0; r < tb->nrows; r++) {
        for (int k = 0; k < tb->ncols; k++) {
            fputs(mx_csv_field(row, tb->cells[r][k]), f);
            fputs(k + 1 < tb->ncols ? "," : "\r\n", f);
        }
        apr_pool_clear(row);
        if (cb && (r % 256) == 255 && cb(ctx, r * 100 / tb->nrows > 99 ? 99 : r * 100 / tb->nrows) != 0) {
            fclose(f);
            apr_pool_destroy(row);
            return MX_ABORTED;
        }
    }
    apr_pool_destroy(row);
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        return "writing the CSV failed";
    }
    if (fclose(f) != 0) {
        return "writing the CSV failed";
    }
    if (cb && cb(ctx, 100) != 0) {
        return MX_ABORTED;
    }
    return NULL;
}

const char *mx_render_csv_stream(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_rows_fn next,
                                 void *rows_ctx, mx_progress_fn cb, void *ctx)
{
    const mx_block_t *tb = NULL;
    const char *err = NULL;
    FILE *f;
    apr_pool_t *batch;

    for (int i = 0; i < d->blocks->nelts && !tb; i++) {
        const mx_block_t *b = &((const mx_block_t *)d->blocks->elts)[i];
        if (b->kind == MX_TABLE) {
            tb = b;
        }
    }
    if (!tb || !tb->fields) {
        return "the template has no table for CSV";
    }
    if (!(f = fopen(path, "wb"))) {
        return "cannot create the CSV file";
    }
    apr_pool_create(&batch, p);
    for (int k = 0; k < tb->ncols; k++) {
        fputs(mx_csv_field(batch, tb->headers[k]), f);
        fputs(k + 1 < tb->ncols ? "," : "\r\n", f);
    }
    for (;;) {
        json_object *rows = NULL;
        int pct = 0;
        size_t n;
        apr_pool_clear(batch);
        if ((err = next(rows_ctx, batch, &rows, &pct)) != NULL) {
            break;
        }
        n = rows && json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : 0;
        if (n == 0) {
            break;
        }
        for (size_t r = 0; r < n; r++) {
            json_object *row = json_object_array_get_idx(rows, r);
            for (int k = 0; k < tb->ncols; k++) {
                fputs(mx_csv_field(batch, mx_cell(batch, row, tb->fields[k], tb->formats[k])), f);
                fputs(k + 1 < tb->ncols ? "," : "\r\n", f);
            }
        }
        if (ferror(f)) {
            err = "writing the CSV failed";
            break;
        }
        if (cb && cb(ctx, pct > 99 ? 99 : pct) != 0) {
            err = MX_ABORTED;
            break;
        }
    }
    apr_pool_destroy(batch);
    if (err) {
        fclose(f);
        return err;
    }
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        return "writing the CSV failed";
    }
    if (fclose(f) != 0) {
        return "writing the CSV failed";
    }
    if (cb && cb(ctx, 100) != 0) {
        return MX_ABORTED;
    }
    return NULL;
}
