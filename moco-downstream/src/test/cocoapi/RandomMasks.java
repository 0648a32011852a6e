import dev.moco.downstream.canvas.CocoRle;
import java.util.*;
public class RandomMasks { public static void main(String[] a){ Random r=new Random(7); StringBuilder in=new StringBuilder(), out=new StringBuilder();
  for(int t=0;t<2000;t++){ int h=1+r.nextInt(70), w=1+r.nextInt(70); boolean[] m=new boolean[h*w]; double p=r.nextDouble();
    int style=r.nextInt(3);
    for(int i=0;i<m.length;i++) m[i]= style==0? r.nextDouble()<p : style==1 ? (i%w>w/4 && i%w<3*w/4 && i/w>h/5 && i/w<4*h/5) : r.nextDouble()<0.02;
    StringBuilder b=new StringBuilder(); for(boolean v:m) b.append(v?'1':'0');
    in.append(h).append(' ').append(w).append(' ').append(b).append('\n');
    out.append(CocoRle.toCompressedString(CocoRle.encode(m,h,w))).append('\n'); }
  try{ java.nio.file.Files.writeString(java.nio.file.Path.of("masks.txt"),in); java.nio.file.Files.writeString(java.nio.file.Path.of("java.txt"),out);}catch(Exception e){throw new RuntimeException(e);} } }
