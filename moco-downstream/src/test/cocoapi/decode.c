#include <stdio.h>
#include <stdlib.h>
#include "maskApi.h"  /* cocoapi common/, not in this repository */
/* reads "h w string" lines; prints the row-major 0/1 digits of cocoapi's rleDecode(rleFrString) */
int main(void){ int h,w; static char s[1<<20];
  while(scanf("%d %d %s",&h,&w,s)==3){ RLE R; rleFrString(&R,s,h,w); byte*m=malloc(h*w); rleDecode(&R,m,1);
    printf("%d %d ",h,w); for(int y=0;y<h;y++)for(int x=0;x<w;x++) putchar('0'+m[x*h+y]); putchar('\n'); rleFree(&R); free(m);} return 0;}
