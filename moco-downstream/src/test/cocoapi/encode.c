#include <stdio.h>
#include <stdlib.h>
#include "maskApi.h"  /* cocoapi common/, not in this repository */
/* reads "h w" then h*w row-major 0/1 digits per line; prints cocoapi's rleToString of rleEncode (column-major input, as pycocotools' encode(np.asfortranarray(mask))) */
int main(void){ int h,w; static char bits[1<<20];
  while(scanf("%d %d %s",&h,&w,bits)==3){ byte *m=malloc(h*w); 
    for(int y=0;y<h;y++)for(int x=0;x<w;x++) m[x*h+y]=bits[y*w+x]-'0';
    RLE R; rleEncode(&R,m,h,w,1); char*s=rleToString(&R); printf("%s\n",s); free(s); rleFree(&R); free(m);} return 0;}
