/**
 * An independent WireGuard handshake vector: produced by gen-wireguard-vector.py (beside this
 * file) from the whitepaper's formulas with Python hashlib BLAKE2s and the `cryptography` package,
 * sharing no code with src/stack/wireguard. Regenerate with `python3 gen-wireguard-vector.py`.
 */
export const VECTOR = {
  initiatorStaticPrivate: 'c3248a4c053828d7914f2a66d9e4a4afeae70e0c48d67de8cefd2cf314e4ba73',
  responderStaticPrivate: '340b456770df7fd1b80594aeccad02da3bb7c886285b9f9ee0105e7da8957a0d',
  initiatorEphemeralPrivate: '2e120c6cef03523e4f95475faf0ba608a1b6653f9bc3204687e819b60eaed2c3',
  responderEphemeralPrivate: 'e7bd14c467e922eb0d149ff6bc3bd38e84df09c1fe6677da4f8f0bdf4efbd26f',
  presharedKey: 'fbbb8defd6f637ac93dcfbffbcaffad0c2532eed10c6bee48c15fc11c0ca176b',
  timestamp: '400000006553f10a0754d4c0',
  initiation:
    '0100000044332211804092b9701bad83eef387e80dd017c4e3d523fef49d05dc49786c04ce3e4452320c05bed70e62404f58bdb56a894b8b4f943253871e89db13080142ed00f10dbd9cad24692f5c015dee8a493ab50489df9254dd15c394250df1d4190f4e7f19c5008e8ebd4cf37bd50784236e429f67f792d8f6b598a759a676701200000000000000000000000000000000',
  response:
    '02000000887766554433221148010468e49ab20e624b05882ba8c9e61cf083bf54b84635a7f38f51f9168940484276fda8a8bccaf7a964b037b05c714ea685664f635e911c74febd77d4517b00000000000000000000000000000000',
  initiatorSendKey: '4b304dc83cdc083020c80a6c65a7c159c41edb76feacf0d7c6e2f88172449b20',
  initiatorReceiveKey: '465577ef9737b2460b3b98213c743906845789657956f09959cc8809f619397c',
  transport:
    '04000000887766550700000000000000fdece4c72b0818159785e828eae7649a7bcda7a80ad62e1abd7c0ad27dbe2a623a6d0ae3f852685fc7fd4fac2a072268',
  cookieSecret: 'd5467cd665fe40c1f9bfb2780a6bc1ddba9b1c7eb3ef17fc20fe2d51c53a5e39',
  cookieSource: 'c0000201ca6c',
  cookie: 'e54e9b0e379646f66bc13e3641a6fb0e',
  cookieNonce: '6ff9eaa1fd17d2c6e1c6e1c6c972b4a3a5a68cd885746c22',
  cookieReply:
    '03000000443322116ff9eaa1fd17d2c6e1c6e1c6c972b4a3a5a68cd885746c222b3c4ecdbc8348ff9c19262216782d141ed02e67462f5c78bbcef42ae292dcc5',
  mac2WithCookie: '7c0e4bc0da8d345fed7cbe614811b57f',
} as const;
