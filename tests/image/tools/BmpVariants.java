// SPDX-License-Identifier: Apache-2.0
// Writes a picture as the BMP variants Windows programs write, with Java's
// own BMP writer (javax.imageio), an implementation independent of fuma's
// reader: run-length encoded 4- and 8-bit (BI_RLE4, BI_RLE8), 16- and
// 32-bit bit-field (BI_BITFIELDS) files, and uncompressed and bit-field
// files stored top-down.
//
//   java BmpVariants.java IN.png OUTDIR
//
// writes OUTDIR/rle4.bmp, rle8.bmp, bitfields565.bmp, bitfields32.bmp,
// topdown24.bmp, topdown565.bmp and topdown32.bmp.
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.File;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.plugins.bmp.BMPImageWriteParam;
import javax.imageio.stream.ImageOutputStream;

public class BmpVariants {
  // A grey ramp of 2^bits levels, so that any grey picture keeps its levels.
  static IndexColorModel greys(int bits) {
    int n = 1 << bits;
    byte[] v = new byte[n];
    for (int i = 0; i < n; i++) v[i] = (byte) (i * 255 / (n - 1));
    return new IndexColorModel(bits, n, v, v, v);
  }

  static BufferedImage as(BufferedImage in, int type, IndexColorModel model) {
    BufferedImage out = model == null ? new BufferedImage(in.getWidth(), in.getHeight(), type)
        : new BufferedImage(in.getWidth(), in.getHeight(), type, model);
    out.createGraphics().drawImage(in, 0, 0, null);
    return out;
  }

  static void write(BufferedImage image, String compression, boolean topDown, File file)
      throws Exception {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("bmp").next();
    BMPImageWriteParam param = (BMPImageWriteParam) writer.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionType(compression);
    param.setTopDown(topDown);
    file.delete();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    }
    writer.dispose();
  }

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    BufferedImage in = ImageIO.read(new File(args[0]));
    File dir = new File(args[1]);
    write(as(in, BufferedImage.TYPE_BYTE_BINARY, greys(4)), "BI_RLE4", false,
        new File(dir, "rle4.bmp"));
    write(as(in, BufferedImage.TYPE_BYTE_INDEXED, greys(8)), "BI_RLE8", false,
        new File(dir, "rle8.bmp"));
    write(as(in, BufferedImage.TYPE_USHORT_565_RGB, null), "BI_BITFIELDS", false,
        new File(dir, "bitfields565.bmp"));
    write(as(in, BufferedImage.TYPE_INT_RGB, null), "BI_BITFIELDS", false,
        new File(dir, "bitfields32.bmp"));
    write(as(in, BufferedImage.TYPE_3BYTE_BGR, null), "BI_RGB", true,
        new File(dir, "topdown24.bmp"));
    write(as(in, BufferedImage.TYPE_USHORT_565_RGB, null), "BI_BITFIELDS", true,
        new File(dir, "topdown565.bmp"));
    write(as(in, BufferedImage.TYPE_INT_RGB, null), "BI_BITFIELDS", true,
        new File(dir, "topdown32.bmp"));
  }
}
