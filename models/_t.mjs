import * as faceapi from '@vladmandic/face-api/dist/face-api.esm.js';
const tf = faceapi.tf;
console.log(Object.keys(tf.engine().registryFactory), tf.version_core ?? tf.version);
await tf.setBackend('cpu'); await tf.ready(); console.log(tf.getBackend());
